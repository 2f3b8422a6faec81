//! Peak memory of uploading a 50 MB file: each way of sending it runs in a fresh process
//! (this program again), which reports its own peak resident set (`VmHWM`); the loopback
//! server that discards the body runs here, outside the measured processes. The baseline is
//! the same process uploading 1 KiB.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;

use portkey_bench::{report, Record};
use portkey_client::runtime::{RuntimeBuilder, SchemeKind, SecurityScheme};
use portkey_client::upload::{FilePart, Form};

const SIZE: u64 = 50 * 1000 * 1000;
const SMALL: u64 = 1024;

static SCHEMES: &[SecurityScheme] = &[SecurityScheme {
    id: "bearer",
    kind: SchemeKind::Bearer,
}];

/// The ways a file can be given to the client.
const WAYS: &[(&str, &str)] = &[
    ("small", "1 KiB file, FilePart::path (baseline)"),
    ("path", "50 MB file, FilePart::path"),
    ("reader", "50 MB file, FilePart::reader (chunked)"),
    ("bytes", "50 MB file read into memory, FilePart::bytes"),
];

fn main() {
    if let (Ok(way), Ok(url), Ok(dir)) = (
        std::env::var("UPLOAD_WAY"),
        std::env::var("UPLOAD_URL"),
        std::env::var("UPLOAD_DIR"),
    ) {
        upload(&way, &url, Path::new(&dir));
        return;
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/bench-upload");
    std::fs::create_dir_all(&dir).expect("scratch folder");
    write_file(&dir.join("small.bin"), SMALL);
    write_file(&dir.join("large.bin"), SIZE);
    let url = support::serve_fixed(r#"{"id":"file_1"}"#.to_string());
    let rounds = if portkey_bench::quick() { 1 } else { 5 };
    let mut peaks = vec![Vec::new(); WAYS.len()];
    for _ in 0..rounds {
        for (i, (way, _)) in WAYS.iter().enumerate() {
            let out = Command::new(std::env::current_exe().expect("this program"))
                .env("UPLOAD_WAY", way)
                .env("UPLOAD_URL", &url)
                .env("UPLOAD_DIR", &dir)
                .output()
                .expect("runs itself");
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "{way}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let kib: f64 = text.trim().parse().expect("prints its peak in KiB");
            peaks[i].push(kib * 1024.0);
        }
    }
    let mut records: Vec<Record> = WAYS
        .iter()
        .zip(&peaks)
        .enumerate()
        .map(|(i, ((_, name), samples))| {
            let floor = (i > 0).then(|| (WAYS[0].1, peaks[0].as_slice()));
            Record::new("upload peak RSS", name, "bytes", samples, floor)
        })
        .collect();
    // Growth over the baseline as a share of the file: the figure that says "flat".
    for (i, r) in records.iter_mut().enumerate().skip(1) {
        let growth: Vec<f64> = peaks[i]
            .iter()
            .zip(&peaks[0])
            .map(|(p, b)| (p - b) / SIZE as f64)
            .collect();
        let (median, min, max) = portkey_bench::spread(&growth);
        r.items = Some(SIZE as f64);
        println!(
            "{}: grows the peak by {:.1}% of the file ({:.1}%..{:.1}%)",
            r.case,
            median * 100.0,
            min * 100.0,
            max * 100.0
        );
    }
    report(&records);
    let _ = std::fs::remove_dir_all(&dir);
}

fn write_file(path: &Path, size: u64) {
    let chunk = vec![b'x'; 1 << 20];
    let mut file = std::fs::File::create(path).expect("scratch file");
    let mut left = size;
    while left > 0 {
        let n = left.min(chunk.len() as u64) as usize;
        std::io::Write::write_all(&mut file, &chunk[..n]).expect("write");
        left -= n as u64;
    }
}

/// The measured process: one upload, then its peak resident set in KiB on stdout.
fn upload(way: &str, url: &str, dir: &Path) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let file = match way {
            "small" => FilePart::path(dir.join("small.bin")).await.expect("open"),
            "path" => FilePart::path(dir.join("large.bin")).await.expect("open"),
            "reader" => FilePart::reader(
                tokio::fs::File::open(dir.join("large.bin"))
                    .await
                    .expect("open"),
                "large.bin",
            ),
            "bytes" => FilePart::bytes(
                tokio::fs::read(dir.join("large.bin")).await.expect("read"),
                "large.bin",
            ),
            other => panic!("unknown way {other}"),
        };
        let mut builder = RuntimeBuilder::new(url, SCHEMES);
        builder.credential("bearer", "sk-bench");
        let client = builder.build().expect("runtime");
        let form = Form::new().text("purpose", "assistants").file("file", file);
        let reply: serde_json::Value = client
            .request(reqwest::Method::POST, "/files", &["bearer"])
            .multipart(form)
            .send_json()
            .await
            .expect("uploaded");
        assert_eq!(reply["id"], "file_1");
    });
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    let peak = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM");
    println!("{peak}");
}
