//! Identifier check characters against an independent implementation:
//! python-stdnum's `cn.ric` (GB 11643) and `cn.uscc` (GB 32100), on a few
//! thousand generated numbers: every check character must agree. Needs `python3` with
//! `python-stdnum` (`pip install python-stdnum`; scripts/test.sh installs it).

use std::io::Write;
use std::process::{Command, Stdio};

use socred_core::id::{OrgCode, PersonId, org_check_character, person_check_character};

const ORG_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// A small deterministic generator (xorshift): the same cases every run.
struct Numbers(u64);

impl Numbers {
    fn next(&mut self, below: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % below
    }
}

const SCRIPT: &str = r#"
import sys
from stdnum.cn import ric, uscc
for line in sys.stdin:
    kind, number = line.split()
    if kind == "check-person":
        print(ric.calc_check_digit(number + "0"))
    else:
        print(uscc.calc_check_digit(number))
"#;

#[test]
fn check_characters_agree_with_python_stdnum() {
    let mut numbers = Numbers(0x5eed_1234_5678_9abc);
    let mut questions: Vec<(String, String)> = Vec::new();
    let mut ours: Vec<String> = Vec::new();
    for _ in 0..1_500 {
        // A person: a province-level region, a real birth date, a sequence.
        let region = [110101u64, 310101, 440524, 510104, 650102, 820000][numbers.next(6) as usize] + numbers.next(90);
        let year = 1900 + numbers.next(126);
        let (month, day) = (1 + numbers.next(12), 1 + numbers.next(28));
        let prefix = format!("{region:06}{year:04}{month:02}{day:02}{:03}", numbers.next(1000));
        let check = person_check_character(prefix.as_bytes());
        questions.push(("check-person".into(), prefix.clone()));
        ours.push(check.to_string());
        // And socred accepts exactly that character (stdnum's own validity also checks county
        // codes against a gazetteer, which socred does not claim to, so only check characters are compared).
        assert!(PersonId::parse(&format!("{prefix}{check}")).is_ok(), "{prefix}{check}");
        let wrong = if check == '0' { '1' } else { '0' };
        assert!(PersonId::parse(&format!("{prefix}{wrong}")).is_err(), "{prefix}{wrong}");
        // An organisation: any 17 characters of the alphabet after a registration authority and type.
        let mut code = String::from(["9", "5", "1", "Y"][numbers.next(4) as usize]);
        code.push(ORG_ALPHABET[numbers.next(10) as usize] as char);
        code.push_str(&format!("{region:06}"));
        for _ in 0..9 {
            code.push(ORG_ALPHABET[numbers.next(31) as usize] as char);
        }
        let check = org_check_character(code.as_bytes());
        questions.push(("check-org".into(), code.clone()));
        ours.push(check.to_string());
        assert!(OrgCode::parse(&format!("{code}{check}")).is_ok(), "{code}{check}");
    }
    let mut python = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs (install python3 and python-stdnum for this test)");
    let input: String = questions.iter().map(|(kind, number)| format!("{kind} {number}\n")).collect();
    let mut stdin = python.stdin.take().unwrap();
    // Written from another thread, so a python that stops early shows its error instead of a broken pipe.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = python.wait_with_output().unwrap();
    let _ = writer.join();
    assert!(output.status.success(), "python-stdnum failed (pip install python-stdnum): {}", String::from_utf8_lossy(&output.stderr));
    let theirs: Vec<String> = String::from_utf8(output.stdout).unwrap().lines().map(str::to_string).collect();
    assert_eq!(theirs.len(), ours.len());
    let disagreements: Vec<String> = questions
        .iter()
        .zip(ours.iter().zip(&theirs))
        .filter(|(_, (a, b))| a != b)
        .map(|((kind, number), (a, b))| format!("{kind} {number}: socred {a}, stdnum {b}"))
        .collect();
    assert!(disagreements.is_empty(), "{} of {} disagree:\n{}", disagreements.len(), ours.len(), disagreements.join("\n"));
    assert_eq!(ours.len(), 3_000);
}
