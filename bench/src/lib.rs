//! The measurement loop the project's benchmarks share (`cargo xtask bench` runs them).
//!
//! The machines these run on are shared and noisy, so every figure that matters is a ratio
//! measured side by side: the cases of a group run interleaved, one batch of each per round,
//! and each round gives a ratio of every case to the group's floor. A burst of load from
//! elsewhere then slows both sides of a ratio, not one. (criterion measures one function
//! after another, which is what this avoids.)
//!
//! Each bench prints a table and, when `PORTKEY_BENCH_OUT` names a file, appends one JSON
//! line per case to it for `cargo xtask bench` to turn into `BENCHMARKS.md`.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::time::{Duration, Instant};

use serde::Serialize;

/// Decodes `json` as a `T`, `n` times: a case for [`compare`].
pub fn decode<T: serde::de::DeserializeOwned>(json: &str) -> impl FnMut(u64) + '_ {
    move |n| {
        for _ in 0..n {
            let value: T = serde_json::from_str(std::hint::black_box(json)).expect("decodes");
            std::hint::black_box(value);
        }
    }
}

/// Encodes `value` as JSON, `n` times: a case for [`compare`].
pub fn encode<T: Serialize>(value: &T) -> impl FnMut(u64) + '_ {
    move |n| {
        for _ in 0..n {
            std::hint::black_box(serde_json::to_vec(std::hint::black_box(value)).expect("encodes"));
        }
    }
}

/// The decode and encode groups of one JSON text, `decode {name}` and `encode {name}`: a
/// generated type `G` against a hand-written struct `H` (the baseline) and
/// `serde_json::Value`, each figure counting the text's bytes as its items.
pub fn codec_groups<G, H>(name: &str, json: &str, options: Options) -> Vec<Record>
where
    G: Serialize + serde::de::DeserializeOwned,
    H: Serialize + serde::de::DeserializeOwned,
{
    let generated: G = serde_json::from_str(json).expect("the generated type decodes it");
    let hand: H = serde_json::from_str(json).expect("the hand-written type decodes it");
    let value: serde_json::Value = serde_json::from_str(json).expect("JSON");
    let mut records = compare(
        &format!("decode {name}"),
        vec![
            case("hand-written struct", decode::<H>(json)),
            case("generated type", decode::<G>(json)),
            case("serde_json::Value", decode::<serde_json::Value>(json)),
        ],
        options,
    );
    records.extend(compare(
        &format!("encode {name}"),
        vec![
            case("hand-written struct", encode(&hand)),
            case("generated type", encode(&generated)),
            case("serde_json::Value", encode(&value)),
        ],
        options,
    ));
    for r in &mut records {
        r.items = Some(json.len() as f64);
    }
    records
}

/// How long to measure: `PORTKEY_BENCH_QUICK=1` gives a smoke run.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Rounds per group; each round runs one batch of every case.
    pub rounds: usize,
    /// The time one batch of one case should take.
    pub batch: Duration,
}

impl Options {
    pub fn from_env() -> Self {
        if quick() {
            Options {
                rounds: 5,
                batch: Duration::from_millis(10),
            }
        } else {
            Options {
                rounds: 21,
                batch: Duration::from_millis(60),
            }
        }
    }
}

/// Whether this is a smoke run (`PORTKEY_BENCH_QUICK` set to anything but `0`).
pub fn quick() -> bool {
    std::env::var("PORTKEY_BENCH_QUICK").is_ok_and(|v| v != "0")
}

/// One thing to measure: `run(n)` does the work `n` times.
pub struct Case<'a> {
    name: String,
    run: Box<dyn FnMut(u64) + 'a>,
}

pub fn case<'a>(name: impl Into<String>, run: impl FnMut(u64) + 'a) -> Case<'a> {
    Case {
        name: name.into(),
        run: Box::new(run),
    }
}

/// One figure: its samples (one per round) reduced to a median and a spread, and its ratio
/// to the group's floor, computed round by round.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub group: String,
    pub case: String,
    /// `ns` (per iteration), `ms`, `s`, `bytes` or `lines`.
    pub unit: String,
    pub median: f64,
    pub min: f64,
    pub max: f64,
    pub samples: usize,
    /// The case this one is compared with, if any.
    pub floor: Option<String>,
    pub ratio_median: Option<f64>,
    pub ratio_min: Option<f64>,
    pub ratio_max: Option<f64>,
    /// Items (events, requests) per iteration, for a throughput figure.
    pub items: Option<f64>,
}

impl Record {
    /// A record from raw samples; `floor` gives the floor's name and its samples, taken in
    /// the same rounds.
    pub fn new(
        group: &str,
        case: &str,
        unit: &str,
        samples: &[f64],
        floor: Option<(&str, &[f64])>,
    ) -> Record {
        let (median, min, max) = spread(samples);
        let ratios = floor.map(|(name, floor)| {
            let ratios: Vec<f64> = samples.iter().zip(floor).map(|(s, f)| s / f).collect();
            (name.to_string(), spread(&ratios))
        });
        Record {
            group: group.to_string(),
            case: case.to_string(),
            unit: unit.to_string(),
            median,
            min,
            max,
            samples: samples.len(),
            floor: ratios.as_ref().map(|(name, _)| name.clone()),
            ratio_median: ratios.as_ref().map(|(_, r)| r.0),
            ratio_min: ratios.as_ref().map(|(_, r)| r.1),
            ratio_max: ratios.as_ref().map(|(_, r)| r.2),
            items: None,
        }
    }

    pub fn items(mut self, items: f64) -> Record {
        self.items = Some(items);
        self
    }
}

/// Median, minimum and maximum; zeros for no samples.
pub fn spread(samples: &[f64]) -> (f64, f64, f64) {
    if samples.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    let mut sorted = samples.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    let median = if n % 2 == 1 {
        sorted[n / 2]
    } else {
        (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
    };
    (median, sorted[0], sorted[n - 1])
}

/// Runs the cases of a group interleaved and returns a record per case, in nanoseconds per
/// iteration, each compared with the first case (the floor or baseline).
pub fn compare(group: &str, mut cases: Vec<Case<'_>>, options: Options) -> Vec<Record> {
    let iters: Vec<u64> = cases
        .iter_mut()
        .map(|c| calibrate(&mut c.run, options.batch))
        .collect();
    let mut samples = vec![Vec::with_capacity(options.rounds); cases.len()];
    for round in 0..options.rounds {
        // A different case goes first each round, so that none always runs on a cold cache.
        for k in 0..cases.len() {
            let i = (round + k) % cases.len();
            let started = Instant::now();
            (cases[i].run)(iters[i]);
            samples[i].push(started.elapsed().as_nanos() as f64 / iters[i] as f64);
        }
    }
    let floor_name = cases[0].name.clone();
    cases
        .iter()
        .zip(&samples)
        .enumerate()
        .map(|(i, (c, s))| {
            let floor = (i > 0).then(|| (floor_name.as_str(), samples[0].as_slice()));
            Record::new(group, &c.name, "ns", s, floor)
        })
        .collect()
}

/// How many iterations make a batch of about `target`.
fn calibrate(run: &mut dyn FnMut(u64), target: Duration) -> u64 {
    let mut n = 1u64;
    loop {
        let started = Instant::now();
        run(n);
        let elapsed = started.elapsed();
        if elapsed >= target / 4 || n >= 1 << 30 {
            let per = elapsed.as_secs_f64() / n as f64;
            return ((target.as_secs_f64() / per.max(1e-12)) as u64).clamp(1, 1 << 32);
        }
        n *= 2;
    }
}

/// Prints records as a table and appends them to `PORTKEY_BENCH_OUT` when it is set.
pub fn report(records: &[Record]) {
    for r in records {
        let ratio = match (r.ratio_median, &r.floor) {
            (Some(m), Some(f)) => format!(
                "  {m:.3}x {f} ({:.3}..{:.3})",
                r.ratio_min.unwrap_or(m),
                r.ratio_max.unwrap_or(m)
            ),
            _ => String::new(),
        };
        println!(
            "{:<12} {:<44} {:>14} {} ({}..{}){}",
            r.group,
            r.case,
            human(r.median, &r.unit),
            r.unit,
            human(r.min, &r.unit),
            human(r.max, &r.unit),
            ratio
        );
    }
    let Ok(path) = std::env::var("PORTKEY_BENCH_OUT") else {
        return;
    };
    let mut out = String::new();
    for r in records {
        out.push_str(&serde_json::to_string(r).expect("a record is plain data"));
        out.push('\n');
    }
    let written = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(out.as_bytes()));
    if let Err(e) = written {
        eprintln!("cannot append to {path}: {e}");
        std::process::exit(1);
    }
}

fn human(value: f64, unit: &str) -> String {
    match unit {
        "ns" | "ms" | "s" => format!("{value:.1}"),
        _ => format!("{value:.0}"),
    }
}

/// `PORTKEY_BENCH_SPECS`, else `../shared/specs` beside the workspace: where the full
/// Portkey specs are, if they are there.
pub fn full_spec(name: &str) -> Option<std::path::PathBuf> {
    let dir = std::env::var_os("PORTKEY_BENCH_SPECS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/specs")
        });
    let path = dir.join(name);
    path.exists().then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_is_median_min_max() {
        assert_eq!(spread(&[3.0, 1.0, 2.0]), (2.0, 1.0, 3.0));
        assert_eq!(spread(&[4.0, 1.0, 2.0, 3.0]), (2.5, 1.0, 4.0));
        assert_eq!(spread(&[]), (0.0, 0.0, 0.0));
    }

    #[test]
    fn ratios_are_taken_round_by_round() {
        // The floor doubles in round two (a burst of load); so does the case: the ratio
        // stays 1.5 in every round.
        let r = Record::new(
            "g",
            "c",
            "ns",
            &[3.0, 6.0, 3.0],
            Some(("f", &[2.0, 4.0, 2.0])),
        );
        assert_eq!(r.ratio_median, Some(1.5));
        assert_eq!(r.ratio_min, Some(1.5));
        assert_eq!(r.ratio_max, Some(1.5));
        assert_eq!(r.median, 3.0);
    }

    #[test]
    fn compare_measures_every_case_each_round() {
        let options = Options {
            rounds: 3,
            batch: Duration::from_micros(200),
        };
        let mut sink = 0u64;
        let records = compare(
            "g",
            vec![
                case("floor", |n| {
                    for i in 0..n {
                        sink = std::hint::black_box(sink.wrapping_add(i));
                    }
                }),
                case("other", |n| {
                    for i in 0..n {
                        std::hint::black_box(i);
                    }
                }),
            ],
            options,
        );
        assert_eq!(records.len(), 2);
        assert!(records.iter().all(|r| r.samples == 3 && r.median > 0.0));
        assert_eq!(records[0].floor, None);
        assert_eq!(records[1].floor.as_deref(), Some("floor"));
    }
}
