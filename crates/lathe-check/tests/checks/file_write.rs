//! `file-write`: candidates read at most.

use lathe_core::{Rule, Severity};

use crate::support::{assert_none, lines, triton};

#[test]
fn writes_deletes_commands_and_environment_changes_are_rejected() {
    let report = triton(
        r#"
import os
import shutil
import subprocess
from pathlib import Path

open("/tmp/baseline.json", "w").write("{}")
open(path, mode="a")
open(path, "r+b")
os.remove("/tmp/cache")
shutil.rmtree("/tmp/cache")
subprocess.run(["nvidia-smi"])
Path("harness.py").write_text("")
os.environ["CUDA_LAUNCH_BLOCKING"] = "1"
os.system("true")
open(path, chosen_mode)
(Path("a") / "b").rename("c")
os.environ.update(X="1")
torch.save(x, "out.pt")
"#,
    );
    assert_eq!(
        lines(&report, Rule::FileWrite, Severity::Reject),
        [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]
    );
}

#[test]
fn reading_files_and_the_environment_passes() {
    let report = triton(
        r#"
import os
from pathlib import Path

with open(path) as f:
    text = f.read()
data = open(path, "rb").read()
with open(path, encoding="utf-8") as f:
    pass
here = os.path.join(os.path.dirname(__file__), "table.txt")
debug = os.environ.get("DEBUG", "0")
csv = "a,b".replace(",", ";")
text = Path(here).read_text()
"#,
    );
    assert_none(&report, Rule::FileWrite);
}
