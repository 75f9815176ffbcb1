use kg::{Engine, Params};
fn main() {
    let mut e = Engine::new();
    let args: Vec<String> = std::env::args().skip(1).collect();
    for q in args {
        match e.run(&q, &Params::new()) {
            Ok(r) => {
                println!("{:?}", r.columns);
                for row in &r.rows {
                    println!("{:?}", row);
                }
                if let Some(p) = r.plan {
                    println!("{p}");
                }
                println!("{:?}", r.stats);
            }
            Err(err) => println!("{}", err.render("q", &q)),
        }
    }
}
