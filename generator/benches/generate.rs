//! Generation, stage by stage, against its floor measured in the same rounds: the same
//! spec text parsed into `openapiv3::OpenAPI` and nothing else, the way `load` reads it
//! (YAML → JSON value → OpenAPI). Run by `cargo xtask bench`.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use portkey_bench::{quick, report, Record};

type Stages = Vec<(&'static str, Duration)>;

/// The stages of one run, in order, as `(name, time)`, and the time emitting and formatting
/// took summed over their threads (not stages: they run at once), and how many threads.
fn run(path: &Path, text: &str, out: &Path) -> (Stages, [Duration; 2], usize) {
    let input = generator::Input {
        spec_path: path,
        spec_text: text,
        overlay: None,
        source_name: "spec.yaml",
        example_check: false,
    };
    let (generated, t) = generator::generate_timed(&input).expect("the spec generates");
    let started = Instant::now();
    let _ = std::fs::remove_dir_all(out);
    for (name, content) in &generated.files {
        let file = out.join(name);
        std::fs::create_dir_all(file.parent().expect("a file has a folder")).expect("folder");
        std::fs::write(file, content).expect("write");
    }
    let write = started.elapsed();
    let stages = vec![
        ("parse", t.parse),
        ("load", t.load),
        ("lower", t.lower),
        ("examples", t.examples),
        ("emit + format", t.emit_format),
        ("write", write),
    ];
    (stages, [t.emit_work, t.format_work], t.workers)
}

fn floor(text: &str) -> Duration {
    let started = Instant::now();
    let value: serde_json::Value = serde_yaml::from_str(text).expect("YAML");
    let api: openapiv3::OpenAPI = serde_json::from_value(value).expect("OpenAPI");
    black_box(api);
    started.elapsed()
}

fn direct(text: &str) -> Duration {
    let started = Instant::now();
    let api: openapiv3::OpenAPI = serde_yaml::from_str(text).expect("OpenAPI");
    black_box(api);
    started.elapsed()
}

fn bench(label: &str, path: &Path, rounds: usize) -> Vec<Record> {
    let text = std::fs::read_to_string(path).expect("spec is readable");
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-generate");
    let group = format!("generate {label}");
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let (mut floors, mut directs, mut wholes) = (Vec::new(), Vec::new(), Vec::new());
    let mut stages: Vec<(&str, Vec<f64>)> = Vec::new();
    let (mut emits, mut formats, mut threads) = (Vec::new(), Vec::new(), 0);
    // One unmeasured run: page cache, allocator.
    run(path, &text, &out);
    for round in 0..rounds {
        // Alternate which goes first, as the shared loop does.
        let (stage_times, [emit, format], workers) = if round % 2 == 0 {
            floors.push(ms(floor(&text)));
            directs.push(ms(direct(&text)));
            run(path, &text, &out)
        } else {
            let s = run(path, &text, &out);
            directs.push(ms(direct(&text)));
            floors.push(ms(floor(&text)));
            s
        };
        wholes.push(stage_times.iter().map(|(_, d)| ms(*d)).sum());
        threads = workers;
        emits.push(ms(emit));
        formats.push(ms(format));
        for (i, (name, d)) in stage_times.into_iter().enumerate() {
            if stages.len() <= i {
                stages.push((name, Vec::new()));
            }
            stages[i].1.push(ms(d));
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    let floor_name = "parse floor: YAML → JSON value → OpenAPI";
    let f = Some((floor_name, floors.as_slice()));
    let mut records = vec![
        Record::new(&group, floor_name, "ms", &floors, None),
        Record::new(&group, "parse, direct: YAML → OpenAPI", "ms", &directs, f),
        Record::new(&group, "whole generation", "ms", &wholes, f),
    ];
    for (name, samples) in &stages {
        records.push(Record::new(
            &group,
            &format!("stage: {name}"),
            "ms",
            samples,
            f,
        ));
    }
    for (name, samples) in [("emit", &emits), ("format", &formats)] {
        records.push(Record::new(
            &group,
            &format!("{name}, summed over the {threads} threads of emit + format"),
            "ms",
            samples,
            f,
        ));
    }
    records
}

fn main() {
    let rounds = if quick() { 3 } else { 11 };
    let seed = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../spec/portkey.yaml");
    let mut records = bench("spec/portkey.yaml", &seed, rounds);
    match portkey_bench::full_spec("portkey-2026-07.yaml") {
        Some(path) => records.extend(bench("portkey-2026-07.yaml", &path, rounds)),
        None => println!("../shared/specs/ is absent: the full-spec generation bench is skipped"),
    }
    report(&records);
}
