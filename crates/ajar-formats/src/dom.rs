//! A parsed HTML document and the few questions the HTML and EPUB readers ask of it.
//!
//! Parsing goes through html5ever, the parser the archive's sanitizer already uses, so a
//! story file is read the way a browser would read it: unclosed tags, stray `</p>` and
//! XHTML all end up as the same tree. Nothing here trusts the markup: whatever a reader
//! keeps as HTML goes through [`Html::sanitize`](ajar_core::Html::sanitize) afterwards.

use html5ever::serialize::{serialize, SerializeOpts, TraversalScope};
use html5ever::tendril::TendrilSink;
pub(crate) use markup5ever_rcdom::Handle;
use markup5ever_rcdom::{NodeData, RcDom, SerializableHandle};

/// Parses a whole document (missing `<html>`/`<body>` are implied).
///
/// Keep the returned handle alive while using nodes found in it: dropping the document
/// node empties the whole tree, even nodes still held elsewhere.
pub(crate) fn parse(text: &str) -> Handle {
    html5ever::parse_document(RcDom::default(), Default::default())
        .one(text)
        .document
}

/// The element's local name, lowercase (`""` for text and other nodes).
pub(crate) fn name(node: &Handle) -> &str {
    match &node.data {
        NodeData::Element { name, .. } => &name.local,
        _ => "",
    }
}

pub(crate) fn attr(node: &Handle, key: &str) -> Option<String> {
    match &node.data {
        NodeData::Element { attrs, .. } => attrs
            .borrow()
            .iter()
            .find(|a| &*a.name.local == key)
            .map(|a| a.value.to_string()),
        _ => None,
    }
}

pub(crate) fn has_class(node: &Handle, class: &str) -> bool {
    attr(node, "class").is_some_and(|c| c.split_ascii_whitespace().any(|c| c == class))
}

pub(crate) fn children(node: &Handle) -> Vec<Handle> {
    node.children.borrow().clone()
}

/// Child elements (text and comments skipped).
pub(crate) fn child_elements(node: &Handle) -> Vec<Handle> {
    node.children
        .borrow()
        .iter()
        .filter(|c| matches!(c.data, NodeData::Element { .. }))
        .cloned()
        .collect()
}

/// The first element in document order (the node itself included) that matches.
pub(crate) fn find(node: &Handle, pred: &dyn Fn(&Handle) -> bool) -> Option<Handle> {
    let mut stack = vec![node.clone()];
    while let Some(n) = stack.pop() {
        if pred(&n) {
            return Some(n);
        }
        stack.extend(n.children.borrow().iter().rev().cloned());
    }
    None
}

/// Every matching element in document order, not looking inside a match.
pub(crate) fn find_all(node: &Handle, pred: &dyn Fn(&Handle) -> bool) -> Vec<Handle> {
    let mut out = Vec::new();
    let mut stack = vec![node.clone()];
    while let Some(n) = stack.pop() {
        if pred(&n) {
            out.push(n);
            continue;
        }
        stack.extend(n.children.borrow().iter().rev().cloned());
    }
    out
}

pub(crate) fn by_id(node: &Handle, id: &str) -> Option<Handle> {
    find(node, &|n| attr(n, "id").as_deref() == Some(id))
}

pub(crate) fn by_name(node: &Handle, tag: &str) -> Option<Handle> {
    find(node, &|n| name(n) == tag)
}

/// The text of a node with whitespace collapsed (for labels, titles and tag lists).
pub(crate) fn text(node: &Handle) -> String {
    let mut out = String::new();
    collect_text(node, &mut out);
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn collect_text(node: &Handle, out: &mut String) {
    match &node.data {
        NodeData::Text { contents } => out.push_str(&contents.borrow()),
        NodeData::Element { name, .. } if &*name.local == "br" => out.push('\n'),
        NodeData::Element { name, .. }
            if matches!(&*name.local, "script" | "style" | "template") => {}
        _ => {
            for child in node.children.borrow().iter() {
                collect_text(child, out);
            }
        }
    }
}

/// The markup inside a node, as HTML.
pub(crate) fn inner_html(node: &Handle) -> String {
    let mut out = Vec::new();
    let opts = SerializeOpts {
        traversal_scope: TraversalScope::ChildrenOnly(None),
        ..Default::default()
    };
    let handle: SerializableHandle = node.clone().into();
    // Writing into a Vec cannot fail.
    let _ = serialize(&mut out, &handle, opts);
    String::from_utf8_lossy(&out).into_owned()
}

/// The markup of a node itself, as HTML.
pub(crate) fn outer_html(node: &Handle) -> String {
    let mut out = Vec::new();
    let opts = SerializeOpts {
        traversal_scope: TraversalScope::IncludeNode,
        ..Default::default()
    };
    let handle: SerializableHandle = node.clone().into();
    let _ = serialize(&mut out, &handle, opts);
    String::from_utf8_lossy(&out).into_owned()
}

pub(crate) fn parent(node: &Handle) -> Option<Handle> {
    let weak = node.parent.take();
    let parent = weak.as_ref().and_then(std::rc::Weak::upgrade);
    node.parent.set(weak);
    parent
}

/// Takes a node out of its parent.
pub(crate) fn detach(node: &Handle) {
    let parent = node.parent.take().and_then(|weak| weak.upgrade());
    if let Some(parent) = parent {
        parent
            .children
            .borrow_mut()
            .retain(|c| !std::rc::Rc::ptr_eq(c, node));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inner_and_outer_html() {
        let doc = parse(
            "<!DOCTYPE html><html><body><p>a<br>b</p><div id=x class=\"a b\">c</div></body></html>",
        );
        let body = by_name(&doc, "body").unwrap();
        assert_eq!(
            inner_html(&body),
            "<p>a<br>b</p><div id=\"x\" class=\"a b\">c</div>"
        );
        let x = by_id(&doc, "x").unwrap();
        assert!(has_class(&x, "b"));
        assert_eq!(outer_html(&x), "<div id=\"x\" class=\"a b\">c</div>");
        assert_eq!(text(&body), "a bc");
        let x = parse("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"fr\" xml:lang=\"fr\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>T</title>\n<link rel=\"stylesheet\" type=\"text/css\" href=\"style.css\"/>\n</head>\n<body>\n<div class=\"meta group\">x</div></body></html>");
        assert_eq!(
            inner_html(&by_name(&x, "body").unwrap()),
            "\n<div class=\"meta group\">x</div>"
        );
    }
}
