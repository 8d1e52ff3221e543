-- Serves GET /v1/listings?gpu_model=…&sort=newest by index, like the price sort.
CREATE INDEX listings_gpu_newest ON listings (gpu_model, created_at DESC, pubkey DESC);
