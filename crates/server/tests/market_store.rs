//! The market data store on both backends: an import is an idempotent upsert, replaces
//! the demo universe, and loads back into memory bar for bar.

mod support;

use market::synthetic::random_walk;
use server::db;
use server::market::store;
use server::market::universe::{Listing, Source, Universe};
use support::db::{config, temp_dir, with_fresh_postgres};

fn listing(symbol: &str) -> Listing {
    Listing {
        symbol: symbol.to_string(),
        name: None,
        sector: None,
    }
}

async fn import_twice_replacing_the_demo(url: String) {
    let data_dir = temp_dir("store");
    let db = db::connect(&config(&url, &data_dir, &[])).await.unwrap();
    db::migrate(&db).await.unwrap();
    assert!(
        store::load(&db).await.unwrap().is_none(),
        "a new database is empty"
    );

    let demo = Universe::demo();
    store::record_demo(&db, &demo).await.unwrap();
    let loaded = store::load(&db).await.unwrap().unwrap();
    assert_eq!(loaded.source, Source::Demo);
    assert_eq!(loaded.len(), demo.len());

    let series = [random_walk("AAA", 1, 300), random_walk("BBB", 2, 250)];
    let listings = [listing("AAA"), listing("BBB")];
    let entries = || listings.iter().zip(series.iter());
    let mut progressed = 0;
    let first = store::import(&db, entries(), |bars| progressed += bars)
        .await
        .unwrap();
    assert_eq!(first.symbols, 2);
    assert_eq!(first.bars, 550);
    assert_eq!(progressed, 550);
    assert_eq!(first.demo_symbols_removed, demo.len() as u64);

    // The same files again: nothing new, nothing lost.
    let second = store::import(&db, entries(), |_| {}).await.unwrap();
    assert_eq!(second.demo_symbols_removed, 0);
    let universe = store::load(&db).await.unwrap().unwrap();
    assert_eq!(universe.source, Source::Imported);
    assert_eq!(universe.len(), 2);
    for original in &series {
        let (_, stored) = universe.get(original.symbol()).unwrap();
        assert_eq!(
            stored,
            original,
            "{} round-trips bar for bar",
            original.symbol()
        );
    }
    db.close().await.unwrap();
    let _ = std::fs::remove_dir_all(data_dir);
}

#[tokio::test]
async fn sqlite_import_is_idempotent_and_replaces_the_demo() {
    let path = temp_dir("store-sqlite").join("store.db");
    import_twice_replacing_the_demo(format!("sqlite://{}?mode=rwc", path.display())).await;
}

#[tokio::test]
async fn postgres_import_is_idempotent_and_replaces_the_demo() {
    with_fresh_postgres(import_twice_replacing_the_demo).await;
}

#[tokio::test]
async fn a_running_server_serves_an_import_without_a_restart() {
    let server = support::TestServer::start(&[]).await;
    let symbols = || async {
        let page: serde_json::Value = reqwest::get(server.url("/api/v1/symbols"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        page
    };
    assert_eq!(symbols().await["source"], "demo");

    // `stockscanner import` from another process, on the same database.
    let importer = sea_orm::Database::connect(server.database_url())
        .await
        .unwrap();
    let series = [random_walk("AAA", 1, 300), random_walk("BBB", 2, 250)];
    let listings = [listing("AAA"), listing("BBB")];
    store::import(&importer, listings.iter().zip(series.iter()), |_| {})
        .await
        .unwrap();

    let waited = std::time::Instant::now();
    let page = loop {
        let page = symbols().await;
        if page["source"] == "imported" {
            break page;
        }
        assert!(
            waited.elapsed() < 5 * server::market::reload::REFRESH,
            "still serving the demo: {page}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    let listed: Vec<&str> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["symbol"].as_str().unwrap())
        .collect();
    assert_eq!(listed, ["AAA", "BBB"]);
    assert_eq!(page["data"][0]["bars"], 300);
    server.stop().await;
}
