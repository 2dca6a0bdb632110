//! Downloads over real HTTP: every format, named after the title, reading back as the work.

#![allow(clippy::unwrap_used)] // a test may panic on what it did not expect

use ajar_formats::{read_story_file, ExportFormat};
use ajar_store::Store;
use reqwest::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use reqwest::StatusCode;

const SEED: &[u8] = include_bytes!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../tests/fixtures/stories/all-thats-left.txt"
));

#[tokio::test]
async fn every_format_downloads_under_the_title_and_reads_back() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(None, data.path()).await.unwrap();
    let mut work = read_story_file("all-thats-left.txt", SEED).unwrap();
    work.title = "All That's Left — “Café”".into();
    let id = store.insert_work(&work).await.unwrap();
    let stored = store.work(id).await.unwrap().unwrap().work;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(ajar_web::serve(listener, store.clone(), async {
        let _ = stopped.await;
    }));
    let client = reqwest::Client::new();

    let page = client
        .get(format!("{base}/works/{id}"))
        .send()
        .await
        .unwrap();
    let page = page.text().await.unwrap();
    for ext in ["epub", "html", "txt", "md"] {
        let href = format!("/works/{id}/download.{ext}");
        assert!(page.contains(&href), "the work page links {href}");
    }

    for format in ExportFormat::ALL {
        let url = format!("{base}/works/{id}/download.{}", format.extension());
        for _ in 0..2 {
            // The second request is served from the cache: same bytes, same headers.
            let response = client.get(&url).send().await.unwrap();
            assert_eq!(response.status(), StatusCode::OK, "{url}");
            let headers = response.headers().clone();
            assert_eq!(headers[CONTENT_TYPE], format.mime_type());
            let disposition = headers[CONTENT_DISPOSITION].to_str().unwrap();
            assert!(
                disposition.starts_with("attachment; filename=\"All That's Left _ _Caf__."),
                "{disposition}"
            );
            assert!(
                disposition.ends_with(&format!(
                    "filename*=UTF-8''All%20That%27s%20Left%20%E2%80%94%20%E2%80%9CCaf%C3%A9%E2%80%9D.{}",
                    format.extension()
                )),
                "{disposition}"
            );
            let bytes = response.bytes().await.unwrap();
            let back = read_story_file(&format!("x.{}", format.extension()), &bytes).unwrap();
            assert_eq!(back.title, stored.title);
            assert_eq!(back.chapters.len(), stored.chapters.len());
            assert_eq!(
                back.chapters[0].body.to_text(),
                stored.chapters[0].body.to_text()
            );
        }
    }

    for missing in [
        "/works/999/download.epub",
        "/works/x/download.txt",
        "/works/1/download.pdf",
    ] {
        let response = client.get(format!("{base}{missing}")).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{missing}");
    }
    let _ = stop.send(());
    server.await.unwrap().unwrap();
}
