//! Human output: aligned tables, durations and times.

/// Prints `rows` under `headers`, each column as wide as its widest cell.
pub fn table(headers: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// `seconds` as e.g. `1h 02m 03s`, `4m 05s` or `7s`.
pub fn duration(seconds: u64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    if h > 0 {
        format!("{h}h {m:02}m {s:02}s")
    } else if m > 0 {
        format!("{m}m {s:02}s")
    } else {
        format!("{s}s")
    }
}

/// A unix time as UTC `YYYY-MM-DD HH:MM:SS`, with how far it is from `now`.
pub fn time(unix: i64, now: i64) -> String {
    let stamp = chrono::DateTime::from_timestamp(unix, 0).map_or_else(
        || unix.to_string(),
        |t| t.format("%Y-%m-%d %H:%M:%S").to_string(),
    );
    let delta = unix - now;
    if delta >= 0 {
        format!("{stamp} UTC (in {})", duration(delta.unsigned_abs()))
    } else {
        format!("{stamp} UTC ({} ago)", duration(delta.unsigned_abs()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_times() {
        assert_eq!(duration(7), "7s");
        assert_eq!(duration(245), "4m 05s");
        assert_eq!(duration(3723), "1h 02m 03s");
        assert_eq!(
            time(1_767_225_600, 1_767_225_590),
            "2026-01-01 00:00:00 UTC (in 10s)"
        );
        assert_eq!(
            time(1_767_225_600, 1_767_229_200),
            "2026-01-01 00:00:00 UTC (1h 00m 00s ago)"
        );
    }
}
