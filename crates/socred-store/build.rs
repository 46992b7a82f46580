// The migrations are embedded by refinery's macro, which cargo does not know
// reads them: rebuild when they change.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
