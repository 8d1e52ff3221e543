//! Rows in PostgreSQL's `COPY ... FROM STDIN` text format, written by a
//! serde serializer: a row is anything serialised as a map or struct (an
//! [`Indexed`](compute_escrow_client::api::Indexed) account), one line per
//! row, its fields in serialisation order separated by tabs, `\N` for null,
//! nested values as their JSON text. PostgreSQL reads this about four times
//! as fast as the same rows through `json_populate_recordset` (2 µs a
//! listing instead of 8.7), and no JSON value is built on the way.

use std::fmt::{self, Display, Write as _};

use serde::ser::{self, Impossible, Serialize, SerializeMap, SerializeStruct, Serializer};

/// Rows of one table as COPY text, and the columns they set (the first
/// row's keys).
#[derive(Debug, Default)]
pub struct CopyText {
    text: Vec<u8>,
    columns: Vec<String>,
    rows: usize,
}

/// Why a row cannot be written.
#[derive(Debug)]
pub struct CopyError(String);

impl Display for CopyError {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for CopyError {}

impl ser::Error for CopyError {
    fn custom<T: Display>(msg: T) -> Self {
        CopyError(msg.to_string())
    }
}

impl CopyText {
    /// Appends `row`, which serialises as a map or struct whose keys are
    /// columns; every row must have as many fields as the first. On error
    /// nothing is appended.
    pub fn push<T: Serialize>(&mut self, row: &T) -> Result<(), CopyError> {
        let start = self.text.len();
        let mut line = Line {
            out: &mut self.text,
            columns: (self.rows == 0).then_some(&mut self.columns),
            fields: 0,
        };
        let serialized = row.serialize(&mut line);
        let fields = line.fields;
        let pushed = serialized.and_then(|()| {
            if fields == self.columns.len() {
                Ok(())
            } else {
                Err(CopyError(format!(
                    "a row has {fields} fields, the first had {}",
                    self.columns.len()
                )))
            }
        });
        match pushed {
            Ok(()) => {
                self.text.push(b'\n');
                self.rows += 1;
                Ok(())
            }
            Err(e) => {
                self.text.truncate(start);
                if self.rows == 0 {
                    self.columns.clear();
                }
                Err(e)
            }
        }
    }

    /// The columns the rows set, in their order on each line.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The lines.
    pub fn text(&self) -> &[u8] {
        &self.text
    }

    /// The lines, taken.
    pub fn into_text(self) -> Vec<u8> {
        self.text
    }
}

/// Writes one row: its map's values as fields, recording the keys of the
/// first row.
struct Line<'a> {
    out: &'a mut Vec<u8>,
    columns: Option<&'a mut Vec<String>>,
    fields: usize,
}

impl Line<'_> {
    fn key(&mut self, key: &str) {
        if let Some(columns) = self.columns.as_mut() {
            columns.push(key.to_string());
        }
    }

    fn value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CopyError> {
        if self.fields > 0 {
            self.out.push(b'\t');
        }
        self.fields += 1;
        let start = self.out.len();
        match value.serialize(Field { out: self.out }) {
            Err(Nested::Yes) => {
                self.out.truncate(start);
                let json = serde_json::to_string(value).map_err(ser::Error::custom)?;
                push_escaped(&json, self.out);
                Ok(())
            }
            Err(Nested::Error(e)) => Err(e),
            Ok(()) => Ok(()),
        }
    }
}

/// The error for a row that is not a map or struct.
fn not_a_row() -> CopyError {
    CopyError("a row must serialise as a map or struct".into())
}

macro_rules! not_a_row {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret, CopyError> {
            Err(not_a_row())
        })*
    };
}

impl<'a, 'b> Serializer for &'a mut Line<'b> {
    type Ok = ();
    type Error = CopyError;
    type SerializeSeq = Impossible<(), CopyError>;
    type SerializeTuple = Impossible<(), CopyError>;
    type SerializeTupleStruct = Impossible<(), CopyError>;
    type SerializeTupleVariant = Impossible<(), CopyError>;
    type SerializeMap = Self;
    type SerializeStruct = Self;
    type SerializeStructVariant = Impossible<(), CopyError>;

    fn serialize_map(self, _: Option<usize>) -> Result<Self, CopyError> {
        Ok(self)
    }

    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self, CopyError> {
        Ok(self)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<(), CopyError> {
        Err(not_a_row())
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), CopyError> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), CopyError> {
        Err(not_a_row())
    }

    not_a_row! {
        serialize_bool(bool) -> ();
        serialize_i8(i8) -> ();
        serialize_i16(i16) -> ();
        serialize_i32(i32) -> ();
        serialize_i64(i64) -> ();
        serialize_u8(u8) -> ();
        serialize_u16(u16) -> ();
        serialize_u32(u32) -> ();
        serialize_u64(u64) -> ();
        serialize_f32(f32) -> ();
        serialize_f64(f64) -> ();
        serialize_char(char) -> ();
        serialize_str(&str) -> ();
        serialize_bytes(&[u8]) -> ();
        serialize_none() -> ();
        serialize_unit() -> ();
        serialize_unit_struct(&'static str) -> ();
        serialize_unit_variant(&'static str, u32, &'static str) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

impl SerializeMap for &mut Line<'_> {
    type Ok = ();
    type Error = CopyError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), CopyError> {
        if self.columns.is_some() {
            let key = serde_json::to_value(key).map_err(ser::Error::custom)?;
            let serde_json::Value::String(key) = key else {
                return Err(CopyError(format!("a column name must be a string: {key}")));
            };
            self.key(&key);
        }
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), CopyError> {
        self.value(value)
    }

    fn end(self) -> Result<(), CopyError> {
        Ok(())
    }
}

impl SerializeStruct for &mut Line<'_> {
    type Ok = ();
    type Error = CopyError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), CopyError> {
        self.key(key);
        self.value(value)
    }

    fn end(self) -> Result<(), CopyError> {
        Ok(())
    }
}

/// Why a field was not written: it is nested (written as JSON instead), or
/// it cannot be.
enum Nested {
    Yes,
    Error(CopyError),
}

impl Display for Nested {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            Nested::Yes => f.write_str("nested"),
            Nested::Error(e) => e.fmt(f),
        }
    }
}

impl fmt::Debug for Nested {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        Display::fmt(self, f)
    }
}

impl std::error::Error for Nested {}

impl ser::Error for Nested {
    fn custom<T: Display>(msg: T) -> Self {
        Nested::Error(CopyError(msg.to_string()))
    }
}

/// Writes one scalar field; anything nested answers [`Nested::Yes`] before
/// writing.
struct Field<'a> {
    out: &'a mut Vec<u8>,
}

impl Field<'_> {
    fn plain(self, text: impl Display) -> Result<(), Nested> {
        write!(Escaped(self.out), "{text}").map_err(|_| Nested::Error(CopyError("write".into())))
    }
}

macro_rules! plain {
    ($($method:ident($arg:ty);)*) => {
        $(fn $method(self, value: $arg) -> Result<(), Nested> {
            self.plain(value)
        })*
    };
}

macro_rules! nested {
    ($($method:ident($($arg:ty),*) -> $ret:ty;)*) => {
        $(fn $method(self, $(_: $arg),*) -> Result<$ret, Nested> {
            Err(Nested::Yes)
        })*
    };
}

impl Serializer for Field<'_> {
    type Ok = ();
    type Error = Nested;
    type SerializeSeq = Impossible<(), Nested>;
    type SerializeTuple = Impossible<(), Nested>;
    type SerializeTupleStruct = Impossible<(), Nested>;
    type SerializeTupleVariant = Impossible<(), Nested>;
    type SerializeMap = Impossible<(), Nested>;
    type SerializeStruct = Impossible<(), Nested>;
    type SerializeStructVariant = Impossible<(), Nested>;

    plain! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_char(char);
        serialize_str(&str);
    }

    fn serialize_f32(self, value: f32) -> Result<(), Nested> {
        self.serialize_f64(f64::from(value))
    }

    fn serialize_f64(self, value: f64) -> Result<(), Nested> {
        if value.is_finite() {
            self.plain(value)
        } else {
            // JSON has no infinities or NaN: null, as serde_json writes them.
            self.serialize_none()
        }
    }

    fn collect_str<T: Display + ?Sized>(self, value: &T) -> Result<(), Nested> {
        self.plain(value)
    }

    fn serialize_none(self) -> Result<(), Nested> {
        self.out.extend_from_slice(b"\\N");
        Ok(())
    }

    fn serialize_unit(self) -> Result<(), Nested> {
        self.serialize_none()
    }

    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Nested> {
        self.serialize_none()
    }

    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Nested> {
        self.plain(variant)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Nested> {
        value.serialize(self)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Nested> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        _: &'static str,
        _: &T,
    ) -> Result<(), Nested> {
        Err(Nested::Yes)
    }

    nested! {
        serialize_bytes(&[u8]) -> ();
        serialize_seq(Option<usize>) -> Self::SerializeSeq;
        serialize_tuple(usize) -> Self::SerializeTuple;
        serialize_tuple_struct(&'static str, usize) -> Self::SerializeTupleStruct;
        serialize_tuple_variant(&'static str, u32, &'static str, usize) -> Self::SerializeTupleVariant;
        serialize_map(Option<usize>) -> Self::SerializeMap;
        serialize_struct(&'static str, usize) -> Self::SerializeStruct;
        serialize_struct_variant(&'static str, u32, &'static str, usize) -> Self::SerializeStructVariant;
    }
}

/// Text written with the characters COPY's text format gives a meaning
/// escaped.
struct Escaped<'a>(&'a mut Vec<u8>);

impl fmt::Write for Escaped<'_> {
    fn write_str(&mut self, text: &str) -> fmt::Result {
        push_escaped(text, self.0);
        Ok(())
    }
}

fn push_escaped(text: &str, out: &mut Vec<u8>) {
    for &byte in text.as_bytes() {
        match byte {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde::Serialize;
    use serde_json::json;

    use super::*;

    #[derive(Serialize)]
    #[serde(rename_all = "snake_case")]
    enum State {
        Active,
    }

    #[derive(Serialize)]
    struct Inner {
        state: State,
        nested: Vec<&'static str>,
        missing: Option<u64>,
        present: Option<u64>,
    }

    #[derive(Serialize)]
    struct Row {
        #[serde(serialize_with = "collect")]
        key: u64,
        #[serde(flatten)]
        inner: Inner,
        text: &'static str,
        big: u64,
        yes: bool,
    }

    fn collect<S: Serializer>(value: &u64, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(value)
    }

    fn row(text: &'static str) -> Row {
        Row {
            key: 7,
            inner: Inner {
                state: State::Active,
                nested: vec!["a\tb"],
                missing: None,
                present: Some(3),
            },
            text,
            big: u64::MAX,
            yes: true,
        }
    }

    #[test]
    fn fields_follow_serialisation_order_with_nulls_and_nested_json() {
        let mut copy = CopyText::default();
        copy.push(&row("plain")).unwrap();
        copy.push(&row("second")).unwrap();
        assert_eq!(
            copy.columns(),
            ["key", "state", "nested", "missing", "present", "text", "big", "yes"]
        );
        assert_eq!(
            std::str::from_utf8(copy.text()).unwrap(),
            concat!(
                r#"7	active	["a\\tb"]	\N	3	plain	18446744073709551615	true"#,
                "\n",
                r#"7	active	["a\\tb"]	\N	3	second	18446744073709551615	true"#,
                "\n"
            )
        );
    }

    #[test]
    fn separators_and_backslashes_in_text_are_escaped() {
        let mut copy = CopyText::default();
        copy.push(&json!({"j": {"q": "a\"b\\c\td"}, "s": "tab\there\nnew\rline \\N"}))
            .unwrap();
        let expected = concat!(
            r#"{"q":"a\\"b\\\\c\\td"}"#,
            "\t",
            r"tab\there\nnew\rline \\N",
            "\n"
        );
        assert_eq!(std::str::from_utf8(copy.text()).unwrap(), expected);
    }

    #[test]
    fn rows_with_other_fields_or_no_map_are_refused_whole() {
        let mut copy = CopyText::default();
        assert!(copy.push(&json!([1])).is_err());
        assert!(copy.push(&7u64).is_err());
        assert!(copy.columns().is_empty());
        copy.push(&json!({"a": 1})).unwrap();
        assert!(copy.push(&json!({"a": 1, "b": 2})).is_err());
        assert!(copy.push(&json!({})).is_err());
        assert_eq!(copy.columns(), ["a"]);
        assert_eq!(copy.text(), b"1\n");
    }
}
