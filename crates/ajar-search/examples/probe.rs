#![allow(clippy::unwrap_used)]
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{AllQuery, BooleanQuery, Occur, PhraseQuery, Query};
use tantivy::{Index, Term};
fn main() {
    let index = Index::open_in_dir(std::env::args().nth(1).unwrap()).unwrap();
    let schema = index.schema();
    let text = schema.get_field("text").unwrap();
    let reader = index.reader().unwrap();
    let s = reader.searcher();
    let p = PhraseQuery::new(vec![
        Term::from_field_text(text, "no"),
        Term::from_field_text(text, "sunset"),
    ]);
    println!("count alone {}", s.search(&p, &Count).unwrap());
    let (_, c) = s
        .search(&p, &(TopDocs::with_limit(20).order_by_score(), Count))
        .unwrap();
    println!("with topdocs {}", c);
    let b = BooleanQuery::new(vec![(Occur::Must, Box::new(p.clone()) as Box<dyn Query>)]);
    let (_, c) = s
        .search(&b, &(TopDocs::with_limit(20).order_by_score(), Count))
        .unwrap();
    println!("bool with topdocs {}", c);
    println!("bool count {}", s.search(&b, &Count).unwrap());
    let _ = AllQuery;
}
