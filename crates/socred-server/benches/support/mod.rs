//! What the HTTP benchmarks share: load from `wrk` in a second process,
//! with Lua scripts that send a shuffled list of requests.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use socred_core::SubjectId;

pub struct Run {
    pub requests_per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: String,
}

fn milliseconds(text: &str) -> f64 {
    let text = text.trim();
    let (number, factor) = if let Some(n) = text.strip_suffix("us") {
        (n, 0.001)
    } else if let Some(n) = text.strip_suffix("ms") {
        (n, 1.0)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000.0)
    } else {
        (text, 1.0)
    };
    number.parse::<f64>().unwrap_or(f64::NAN) * factor
}

pub fn wrk_with(url: &str, script: Option<&Path>, seconds: u32, connections: u32) -> Run {
    let mut command = Command::new("wrk");
    command.args(["-t2", &format!("-c{connections}"), &format!("-d{seconds}s"), "--latency"]);
    if let Some(script) = script {
        command.arg("-s").arg(script);
    }
    let output = command.arg(url).output().expect("wrk runs (apt-get install wrk)");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let find = |prefix: &str| text.lines().find(|l| l.trim_start().starts_with(prefix)).map(|l| l.trim().to_string());
    let requests_per_second =
        find("Requests/sec:").and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok())).unwrap_or(f64::NAN);
    let percentile = |p: &str| find(p).and_then(|l| l.split_whitespace().nth(1).map(milliseconds)).unwrap_or(f64::NAN);
    let errors = [find("Non-2xx"), find("Socket errors")].into_iter().flatten().collect::<Vec<_>>().join("; ");
    Run { requests_per_second, p50_ms: percentile("50%"), p99_ms: percentile("99%"), errors }
}

/// A wrk script that sends `request_for(id)` for the ids in a shuffled
/// (seeded) order. The requests are formatted once, when the script loads:
/// formatting one per request in Lua costs wrk about 3 µs a request (measured),
/// CPU the server shares on this machine, while the /healthz run sends a
/// fixed request at no such cost.
pub fn lua_script(dir: &Path, name: &str, ids: &[SubjectId], seed: u32, request_for: &str, tail: &str) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    writeln!(file, "local ids = {{").unwrap();
    for id in ids {
        writeln!(file, "  \"{id}\",").unwrap();
    }
    writeln!(
        file,
        "}}
math.randomseed({seed})
for i = #ids, 2, -1 do
  local j = math.random(i)
  ids[i], ids[j] = ids[j], ids[i]
end
local requests = {{}}
for i, id in ipairs(ids) do
  requests[i] = {request_for}
end
local next_request = 0
request = function()
  next_request = next_request % #requests + 1
  return requests[next_request]
end
{tail}"
    )
    .unwrap();
    path
}

/// Each connection of a paced run waits this long after an answer before
/// its next request (wrk's `delay()`, whole milliseconds).
pub const PACE_MS: u32 = 1;

pub fn check_script(dir: &Path, name: &str, token: &str, ids: &[SubjectId], paced: bool) -> PathBuf {
    let request = format!(
        "wrk.format(\"POST\", \"/api/v1/checks\", {{ [\"Authorization\"] = \"Bearer {token}\", [\"Content-Type\"] = \"application/json\" }}, '{{\"subject\":\"' .. id .. '\",\"service\":\"civil-aviation\"}}')"
    );
    let tail = if paced { format!("delay = function()\n  return {PACE_MS}\nend") } else { String::new() };
    lua_script(dir, name, ids, 11, &request, &tail)
}
