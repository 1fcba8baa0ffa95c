//! A value as JSON data (`serde_json::Value`), for the places that must look into it before
//! it is written (a tagged union's tag, the pairs of a query object or a form, a multipart
//! part). `serde_json::to_value` widens an `f32` to an `f64` on the way, so that `0.1` is
//! then written `0.10000000149011612`; the value is written as JSON text instead, where an
//! `f32` is its shortest decimal (`0.1`), and that text is read back, an `f64` as the same
//! number (serde_json's `float_roundtrip`).

use serde::Serialize;
use serde_json::Value;

/// `value` as JSON data, each number as its JSON text gives it.
pub(crate) fn to_value<T: Serialize + ?Sized>(value: &T) -> serde_json::Result<Value> {
    serde_json::from_slice(&serde_json::to_vec(value)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Measures {
        ratio: f32,
        weight: Option<f32>,
        precise: f64,
        count: u64,
        below: i64,
    }

    #[test]
    fn an_f32_keeps_the_decimal_it_is_written_as() {
        let measures = Measures {
            ratio: 0.1,
            weight: Some(4.2),
            precise: 0.1,
            count: u64::MAX,
            below: i64::MIN,
        };
        let expected = serde_json::json!({
            "ratio": 0.1,
            "weight": 4.2,
            "precise": 0.1,
            "count": u64::MAX,
            "below": i64::MIN,
        });
        assert_eq!(to_value(&measures).unwrap(), expected);
        // What serde_json's own conversion makes of the same.
        let widened = serde_json::to_value(&measures).unwrap();
        assert_eq!(widened["ratio"].to_string(), "0.10000000149011612");
    }

    #[test]
    fn an_f64_is_read_back_as_the_same_number() {
        // Each is read back one unit in the last place off by serde_json's default parser,
        // which the `float_roundtrip` feature makes exact.
        for precise in [
            0.09144338512092887,
            1.5777777777770001,
            2.2250738585072014e-308,
        ] {
            let value = to_value(&[precise]).unwrap();
            assert_eq!(value[0].as_f64(), Some(precise), "{precise:e}");
            assert_eq!(value, serde_json::to_value([precise]).unwrap());
        }
    }

    #[test]
    fn a_float_that_is_not_a_number_is_null_as_serde_json_writes_it() {
        assert_eq!(to_value(&f32::NAN).unwrap(), Value::Null);
        assert_eq!(
            to_value(&[f64::INFINITY]).unwrap(),
            serde_json::json!([null])
        );
    }
}
