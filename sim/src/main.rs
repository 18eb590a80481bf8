//! `guocedb-sim`: run the real server under the madsim simulator.
//!
//! ```text
//! cargo run -p guocedb-sim -- --seed 42
//! cargo run -p guocedb-sim -- --seeds 0..500 --duration 60s --faults all
//! cargo run -p guocedb-sim -- --seed 7 --check-determinism
//! ```
//!
//! The simulator only exists in a `--cfg madsim` build. An ordinary build
//! of this binary is a launcher: it re-runs `cargo run -p guocedb-sim` with
//! `RUSTFLAGS="--cfg madsim"` and its own target directory
//! (`<target>/madsim`, so the normal build is never invalidated), passing
//! the arguments through.

use clap::Parser;

#[cfg_attr(not(madsim), allow(dead_code))]
#[derive(Parser, Debug, Clone)]
#[command(name = "guocedb-sim", about = "Deterministic simulation of guocedb under faults")]
struct Args {
    /// Run one seed.
    #[arg(long, conflicts_with = "seeds")]
    seed: Option<u64>,
    /// Run a range of seeds, `A..B` (B excluded).
    #[arg(long)]
    seeds: Option<String>,
    /// Simulated length of the fault phase (e.g. `20s`, `2m`).
    #[arg(long, default_value = "20s")]
    duration: String,
    /// Faults to inject: `all`, `none`, or a list of
    /// kill,disk,clock,slow,disconnect,buggify.
    #[arg(long, default_value = "all")]
    faults: String,
    /// Clients per workload.
    #[arg(long, default_value_t = 3)]
    clients: usize,
    /// Plant a bug (sim only): ack-before-sync.
    #[arg(long)]
    plant: Option<String>,
    /// Run each seed twice and fail if the event-log hashes differ.
    #[arg(long)]
    check_determinism: bool,
    /// Succeed only if some seed fails (proof that a planted bug is found);
    /// stops at the first failing seed.
    #[arg(long)]
    expect_failure: bool,
    #[arg(long)]
    verbose: bool,
    /// Debugging aid: madsim's draw-by-draw determinism check of one seed.
    #[arg(long, hide = true)]
    madsim_check: bool,
}

#[cfg_attr(not(madsim), allow(dead_code))]
fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    let s = s.trim();
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit() && c != '.').unwrap_or(s.len()));
    let n: f64 = num.parse().map_err(|_| format!("bad duration {s:?}"))?;
    let secs = match unit {
        "" | "s" => n,
        "ms" => n / 1000.0,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        _ => return Err(format!("bad duration unit in {s:?} (use ms, s, m or h)")),
    };
    if !(0.0..=86_400.0).contains(&secs) {
        return Err(format!("duration {s:?} out of range"));
    }
    Ok(std::time::Duration::from_secs_f64(secs))
}

#[cfg_attr(not(madsim), allow(dead_code))]
fn parse_seeds(args: &Args) -> Result<std::ops::Range<u64>, String> {
    if let Some(s) = args.seed {
        return Ok(s..s.saturating_add(1));
    }
    match &args.seeds {
        Some(r) => {
            let (a, b) = r.split_once("..").ok_or_else(|| format!("--seeds wants A..B, got {r:?}"))?;
            let a: u64 = a.trim().parse().map_err(|_| format!("bad seed {a:?}"))?;
            let b: u64 = b.trim().parse().map_err(|_| format!("bad seed {b:?}"))?;
            if b <= a {
                return Err(format!("empty seed range {r:?}"));
            }
            Ok(a..b)
        }
        None => Ok(0..1),
    }
}

#[cfg(not(madsim))]
fn main() {
    // The launcher: build and run the simulator build of this binary.
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map(std::path::PathBuf::from).unwrap_or_else(|| root.join("target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(cargo)
        .current_dir(&root)
        .env("RUSTFLAGS", "--cfg madsim")
        .env("CARGO_TARGET_DIR", target.join("madsim"))
        .args(["run", "--quiet", "-p", "guocedb-sim", "--"])
        .args(std::env::args_os().skip(1))
        .status();
    match status {
        Ok(s) => std::process::exit(s.code().unwrap_or(1)),
        Err(e) => {
            eprintln!("guocedb-sim: cannot run cargo for the simulator build: {e}");
            std::process::exit(2);
        }
    }
}

#[cfg(madsim)]
fn main() {
    use guocedb_sim::sim::{run_seed, Faults, Options, Plant};

    let args = Args::parse();
    let fail = |m: String| -> ! {
        eprintln!("guocedb-sim: {m}");
        std::process::exit(2)
    };
    let seeds = parse_seeds(&args).unwrap_or_else(|e| fail(e));
    let duration = parse_duration(&args.duration).unwrap_or_else(|e| fail(e));
    let faults = Faults::parse(&args.faults).unwrap_or_else(|e| fail(e));
    let plant = args.plant.as_deref().map(Plant::parse).transpose().unwrap_or_else(|e| fail(e));
    let opts = Options { duration, faults, clients: args.clients.clamp(1, 32), plant, verbose: args.verbose };
    let replay = |seed: u64| {
        let mut cmd = format!(
            "cargo run -p guocedb-sim -- --seed {seed} --duration {} --faults {} --clients {}",
            args.duration,
            faults.spelling(),
            opts.clients
        );
        if let Some(p) = plant {
            cmd.push_str(&format!(" --plant {}", p.spelling()));
        }
        cmd
    };
    if args.madsim_check {
        guocedb_sim::sim::madsim_check(seeds.start, &opts);
        return;
    }
    let wall = std::time::Instant::now();
    let (mut failed, mut sim_secs, mut runs) = (0u64, 0.0f64, 0u64);
    for seed in seeds.clone() {
        let t = std::time::Instant::now();
        let r = run_seed(seed, &opts);
        runs += 1;
        sim_secs += r.stats.sim_secs;
        let mut problems = r.problems.clone();
        if args.check_determinism {
            let again = run_seed(seed, &opts);
            runs += 1;
            sim_secs += again.stats.sim_secs;
            if again.hash != r.hash {
                problems.push(format!("nondeterminism: a second run gave hash {} (first {})", again.hash, r.hash));
            }
        }
        let s = r.stats;
        println!(
            "seed {seed}: {} hash={} ok={} failed={} unknown={} faults={} kills={} sim={:.1}s wall={:.1}s",
            if problems.is_empty() { "ok" } else { "FAILED" },
            &r.hash[..16],
            s.ok,
            s.failed,
            s.unknown,
            s.faults,
            s.kills,
            s.sim_secs,
            t.elapsed().as_secs_f64()
        );
        if !problems.is_empty() {
            failed += 1;
            for p in problems.iter().take(10) {
                println!("  problem: {p}");
            }
            if problems.len() > 10 {
                println!("  ... and {} more", problems.len() - 10);
            }
            println!("  replay: {}", replay(seed));
            if args.expect_failure {
                break;
            }
        }
    }
    let secs = wall.elapsed().as_secs_f64();
    println!(
        "guocedb-sim: {runs} runs, {failed} failed; {sim_secs:.0} simulated s in {secs:.1} wall s ({:.1}x)",
        sim_secs / secs.max(1e-9)
    );
    let ok = if args.expect_failure { failed > 0 } else { failed == 0 };
    if args.expect_failure && failed == 0 {
        println!("guocedb-sim: expected a failure (planted bug), found none");
    }
    std::process::exit(if ok { 0 } else { 1 });
}
