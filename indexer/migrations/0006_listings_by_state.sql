-- GET /v1/listings lists what a renter can rent (state = 'active') unless
-- asked otherwise: each of its orders is served by an index led by the state.
CREATE INDEX listings_state_gpu_price ON listings (state, gpu_model, price_lamports_per_hour, pubkey);
CREATE INDEX listings_state_gpu_newest ON listings (state, gpu_model, created_at DESC, pubkey DESC);
CREATE INDEX listings_state_price ON listings (state, price_lamports_per_hour, pubkey);
CREATE INDEX listings_state_newest ON listings (state, created_at DESC, pubkey DESC);
DROP INDEX listings_state;
