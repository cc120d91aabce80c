//! The data set and expected view values of WriteBot's view tests on the
//! database servers (`writebot_postgres.rs`, `writebot_mysql.rs`): the rows of
//! `writebot_views.rs` (SQLite), and what 013's and 014's views must give on
//! them, written once so that every server is held to the same values.
//!
//! A server test loads [`data_statements`] and [`activities`] at version 012
//! with its foreign keys off (the data holds orphans), applies 013 and 014,
//! reads the views into rows of [`V`] and compares them with the functions
//! here. Timestamps are UTC: a server's timestamp column is read as
//! `V::Time("YYYY-MM-DD HH:MM:SS")` (SQLite's `CURRENT_TIMESTAMP` form, with
//! `.ffffff` only when it has fractions of a second) and expected as
//! [`ts`]`("…")`. Mount it at the test crate's root as `writebot_data` (the
//! `row!` macro names `crate::writebot_data`):
//!
//! ```ignore
//! #[macro_use]
//! #[path = "common/writebot_data.rs"]
//! mod writebot_data;
//! use writebot_data::*;
//! ```

#![allow(dead_code, unused_macros)]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A value read from a database, or expected: `row![1, "alice", NULL, ts("2024-01-01 09:00:00")]`.
#[derive(Debug, Clone, PartialEq)]
pub enum V {
    Null,
    Int(i64),
    Real(f64),
    Text(String),
    Bool(bool),
    /// A timestamp, in UTC as `YYYY-MM-DD HH:MM:SS[.ffffff]`.
    Time(String),
}
pub use V::Null as NULL;

/// The expected value of a timestamp column whose SQLite value is the text `utc`.
pub fn ts(utc: &str) -> V {
    V::Time(utc.to_owned())
}

pub trait Val {
    fn val(self) -> V;
}
impl Val for i32 {
    fn val(self) -> V {
        V::Int(self.into())
    }
}
impl Val for i64 {
    fn val(self) -> V {
        V::Int(self)
    }
}
impl Val for &str {
    fn val(self) -> V {
        V::Text(self.to_owned())
    }
}
impl Val for Option<String> {
    fn val(self) -> V {
        self.map_or(V::Null, V::Text)
    }
}
impl Val for V {
    fn val(self) -> V {
        self
    }
}

macro_rules! row {
    ($($x:expr),* $(,)?) => { vec![$($crate::writebot_data::Val::val($x)),*] };
}

/// `t` in UTC as `YYYY-MM-DD HH:MM:SS`, then `.ffffff` if it has fractions of a second.
pub fn utc_text(t: SystemTime) -> String {
    let (secs, micros) = match t.duration_since(UNIX_EPOCH) {
        Ok(d) => (d.as_secs() as i64, d.subsec_micros()),
        Err(e) => {
            let d = e.duration();
            match d.subsec_micros() {
                0 => (-(d.as_secs() as i64), 0),
                m => (-(d.as_secs() as i64) - 1, 1_000_000 - m),
            }
        }
    };
    let (days, second) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (year, month, day) = civil_from_days(days);
    let text =
        format!("{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02}", second / 3600, second % 3600 / 60, second % 60);
    if micros == 0 {
        text
    } else {
        format!("{text}.{micros:06}")
    }
}

/// The proleptic Gregorian (year, month, day) of a day count from 1970-01-01
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let (era, doe) = (z.div_euclid(146_097), z.rem_euclid(146_097));
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// Timestamps relative to now, to the second: 1, 2 and 10 days ago.
pub struct Recent {
    pub r1: String,
    pub r2: String,
    pub r10: String,
}

impl Recent {
    pub fn now() -> Recent {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs();
        let ago = |days: u64| utc_text(UNIX_EPOCH + Duration::from_secs(now - days * 86_400));
        let recent = Recent { r1: ago(1), r2: ago(2), r10: ago(10) };
        assert!(recent.r10.as_str() > "2024-07-01 10:54:00", "the clock is before the test data");
        recent
    }
}

pub struct Activity {
    pub id: i64,
    pub user_id: i64,
    pub activity_type: &'static str,
    pub description: Option<String>,
    pub ip_address: Option<String>,
    pub created_at: String,
}

const TYPES: [&str; 4] = ["login", "generate", "logout", "template_create"];
const USERS: [i64; 5] = [1, 2, 3, 4, 99]; // 99 does not exist: orphaned activities

/// writebot_views.rs's 116 activities. Ids 1–110 (g = id - 1): user
/// USERS[g % 5], type TYPES[g % 4], description "event g" unless g % 3 == 0,
/// ip "10.0.0.g" when g is even, at 2024-07-01 10:MM:00 with MM = g / 2 (so
/// pairs share a timestamp). Then six hand-written ones, 111–116.
pub fn activities(recent: &Recent) -> Vec<Activity> {
    let mut all: Vec<Activity> = (0..110)
        .map(|g: i64| Activity {
            id: g + 1,
            user_id: USERS[g as usize % 5],
            activity_type: TYPES[g as usize % 4],
            description: (g % 3 != 0).then(|| format!("event {g}")),
            ip_address: (g % 2 == 0).then(|| format!("10.0.0.{g}")),
            created_at: format!("2024-07-01 10:{:02}:00", g / 2),
        })
        .collect();
    let special =
        |id, user_id, activity_type, description: Option<&str>, ip: Option<&str>, created_at: &str| Activity {
            id,
            user_id,
            activity_type,
            description: description.map(String::from),
            ip_address: ip.map(String::from),
            created_at: created_at.to_owned(),
        };
    all.push(special(111, 1, "login", Some("signed in"), Some("192.168.1.1"), &recent.r1));
    all.push(special(112, 2, "generate", Some("3 pages"), None, &recent.r2));
    all.push(special(113, 1, "logout", None, Some("192.168.1.1"), "2024-07-01 10:30:00"));
    all.push(special(114, 3, "template_create", Some("made a template"), Some("10.1.1.1"), &recent.r10));
    all.push(special(115, 99, "login", Some("ghost"), None, &recent.r2));
    all.push(special(116, 2, "generate", Some("long ago"), None, "2023-12-31 23:59:59"));
    all
}

/// The rest of writebot_views.rs's data set, one INSERT a statement, in SQL
/// that PostgreSQL and MySQL read alike (flags written `true` / `false`)
/// except for the column named `character`, a reserved word in MySQL: it is
/// written as `character` says (`character` or `` `character` ``). Rust turns
/// the `\n` and `\t` below into a real line feed and tab. Load it at 012 with
/// foreign keys off: it holds orphans.
pub fn data_statements(character: &str) -> Vec<String> {
    let statements = [
        "INSERT INTO users (id, username, email, password_hash, role, is_active, created_at, last_login_at) VALUES
            (1, 'alice', 'alice@example.com',   'h', 'admin', true,  '2024-01-01 09:00:00', '2024-06-01 10:00:00'),
            (2, 'bob',   'bob@example.org',     'h', 'user',  true,  '2024-02-01 09:00:00', NULL),
            (3, 'carol', 'carol@invalid',       'h', 'user',  false, '2024-03-01 09:00:00', '2024-05-05 05:05:05'),
            (4, 'dave',  'dave at example.com', 'h', 'admin', true,  '2024-04-01 09:00:00', NULL),
            (5, 'erin',  'erin@example.net',    'h', 'user',  true,  '2024-05-01 09:00:00', NULL),
            (6, 'frank', 'frank@example..com',  'h', 'user',  false, '2024-06-01 09:00:00', NULL)",
        "INSERT INTO usage_statistics (user_id, date, generations, pages_generated, characters_generated, processing_ms) VALUES
            (1, '2024-06-01', 5, 10, 1000, 50),
            (1, '2024-06-02', 3, 4, 500, 20),
            (2, '2024-06-01', 2, 2, 200, 10),
            (3, '2024-06-01', -1, 0, 100, 5),
            (3, '2024-06-03', 4, 6, 300, 0),
            (4, '2024-06-01', 0, -2, -5, 0),
            (99, '2024-06-01', 7, 7, 700, 70)",
        "INSERT INTO page_size_presets (id, name, width, height, unit, is_system, user_id) VALUES
            (5, 'A4 custom', 210, 297, 'mm', false, 1),
            (6, 'Square', 200, 200, 'mm', false, 2)",
        "INSERT INTO template_presets (id, name, user_id, page_size_preset_id) VALUES
            (5, 'Alice letter', 1, 5),
            (6, 'Alice notes', 1, NULL),
            (7, 'Bob', 2, 2),
            (8, 'Carol', 3, 77),
            (9, 'Ghost', 99, 6)",
        "INSERT INTO character_override_collections (id, user_id, name) VALUES
            (1, 1, 'Alice hand'), (2, 1, 'Alice bold'), (3, 2, 'Bob hand'), (4, 99, 'Ghost')",
        "INSERT INTO character_overrides (id, collection_id, {character}, svg_data) VALUES
            (1, 1, 'a', '<svg>a</svg>'),
            (2, 1, 'b', '  \n<svg>b</svg>'),
            (3, 2, 'c', '<SVG>c</SVG>'),
            (4, 3, 'd', '<svg/>'),
            (5, 3, 'e', 'not svg'),
            (6, 4, 'f', '<svg/>'),
            (7, 50, 'g', '<svg/>'),
            (8, 2, 'h', '\t<svg/>')",
    ];
    statements.iter().map(|s| s.replace("{character}", character)).collect()
}

/// `character_overrides.svg_data` of ids 2 and 8, as loaded: a check that the
/// line feed and tab arrived as such.
pub fn loaded_svg_with_white_space() -> Vec<Vec<V>> {
    vec![row!["  \n<svg>b</svg>"], row!["\t<svg/>"]]
}

/// `data_integrity_checks` on a database with no data but the seeds.
pub fn fresh_checks() -> Vec<Vec<V>> {
    [
        "orphaned_user_activities",
        "orphaned_usage_statistics",
        "orphaned_character_overrides",
        "orphaned_override_collections",
        "templates_missing_page_size",
        "invalid_user_emails",
        "negative_usage_counts",
        "invalid_svg_data",
    ]
    .map(|name| row![name, 0, "ok"])
    .to_vec()
}

/// `system_statistics` on a database at 014 with no data but the seeds.
pub fn fresh_system_statistics() -> Vec<Vec<V>> {
    vec![row![0, 0, 0, 0, 0, 0, 0, 0, 4, 4, 4, 0, 0, 14]]
}

/// A user with nothing, inserted into a fresh database by [`ZED`]…
pub const ZED: &str = "INSERT INTO users (username, email, password_hash, created_at) \
                       VALUES ('zed', 'zed@example.com', 'h', '2024-01-01 00:00:00')";

/// …gets zeros, not NULLs, in `user_summary_stats`.
pub fn zed_summary() -> Vec<Vec<V>> {
    vec![row![1, "zed", "zed@example.com", "user", 1, ts("2024-01-01 00:00:00"), NULL, 0, NULL, 0, 0, 0, 0, 0, 0]]
}

/// `data_integrity_checks` on the data set.
pub fn loaded_checks() -> Vec<Vec<V>> {
    vec![
        // 22 generated activities of user 99, and activity 115.
        row!["orphaned_user_activities", 23, "fail"],
        // the usage row of user 99.
        row!["orphaned_usage_statistics", 1, "fail"],
        // override 7 (collection 50).
        row!["orphaned_character_overrides", 1, "fail"],
        // collection 4 (user 99).
        row!["orphaned_override_collections", 1, "fail"],
        // template 6 (NULL) and template 8 (page size 77).
        row!["templates_missing_page_size", 2, "fail"],
        // carol@invalid, 'dave at example.com', frank@example..com.
        row!["invalid_user_emails", 3, "fail"],
        // carol's generations -1; dave's row with -2 and -5 counts once.
        row!["negative_usage_counts", 2, "fail"],
        // '<SVG>c</SVG>' (case) and 'not svg'; leading white space is fine.
        row!["invalid_svg_data", 2, "fail"],
    ]
}

/// `SELECT * FROM user_summary_stats ORDER BY user_id` on the data set:
/// user_id, username, email, role, is_active, created_at, last_login_at,
/// activity_count, last_activity_at, total_generations, total_pages,
/// total_characters, template_count, collection_count, override_count.
pub fn loaded_user_summary(recent: &Recent) -> Vec<Vec<V>> {
    let (r1, r2, r10) = (ts(&recent.r1), ts(&recent.r2), ts(&recent.r10));
    #[rustfmt::skip]
    let rows = vec![
        row![1, "alice", "alice@example.com", "admin", 1, ts("2024-01-01 09:00:00"), ts("2024-06-01 10:00:00"),
             24, r1, 8, 14, 1500, 2, 2, 4],
        row![2, "bob", "bob@example.org", "user", 1, ts("2024-02-01 09:00:00"), NULL,
             24, r2, 2, 2, 200, 1, 1, 2],
        row![3, "carol", "carol@invalid", "user", 0, ts("2024-03-01 09:00:00"), ts("2024-05-05 05:05:05"),
             23, r10, 3, 6, 400, 1, 0, 0],
        row![4, "dave", "dave at example.com", "admin", 1, ts("2024-04-01 09:00:00"), NULL,
             22, ts("2024-07-01 10:54:00"), 0, -2, -5, 0, 0, 0],
        row![5, "erin", "erin@example.net", "user", 1, ts("2024-05-01 09:00:00"), NULL,
             0, NULL, 0, 0, 0, 0, 0, 0],
        row![6, "frank", "frank@example..com", "user", 0, ts("2024-06-01 09:00:00"), NULL,
             0, NULL, 0, 0, 0, 0, 0, 0],
    ];
    rows
}

/// `system_statistics` on the data set.
pub fn loaded_system_statistics() -> Vec<Vec<V>> {
    vec![row![
        6,    // total_users
        4,    // active_users: alice, bob, dave, erin
        2,    // admin_users: alice, dave
        116,  // total_activities (orphans included)
        3,    // activities_last_7_days: 111 (1 day ago), 112 and 115 (2 days ago)
        20,   // total_generations: 8 + 2 + 3 + 0 + 7
        27,   // total_pages: 14 + 2 + 6 - 2 + 7
        2795, // total_characters: 1500 + 200 + 400 - 5 + 700
        9,    // total_templates: 4 seeded + 5
        4,    // system_templates
        6,    // total_page_sizes: 4 seeded + 2
        4,    // total_collections
        8,    // total_overrides
        14,   // schema_version
    ]]
}

/// Asserts that `got`, `SELECT * FROM recent_activity` on the data set, is
/// the 100 newest activities, newest first (ties by id, newest first):
/// activity_id, user_id, username, activity_type, description, ip_address,
/// created_at.
pub fn assert_recent_activity(got: &[Vec<V>], recent: &Recent) {
    assert_eq!(got.len(), 100);
    let (r1, r2, r10) = (ts(&recent.r1), ts(&recent.r2), ts(&recent.r10));
    let at = ts("2024-07-01 10:54:00");
    assert_eq!(
        got[..6],
        [
            row![111, 1, "alice", "login", "signed in", "192.168.1.1", r1],
            row![115, 99, NULL, "login", "ghost", NULL, r2.clone()], // same time as 112: higher id first
            row![112, 2, "bob", "generate", "3 pages", NULL, r2],
            row![114, 3, "carol", "template_create", "made a template", "10.1.1.1", r10],
            row![110, 99, NULL, "generate", "event 109", NULL, at.clone()],
            row![109, 4, "dave", "login", NULL, "10.0.0.108", at],
        ]
    );
    // 113 shares 10:30 with 61 and 62 and comes first, having the highest id.
    let at = ts("2024-07-01 10:30:00");
    assert_eq!(
        got[52..55],
        [
            row![113, 1, "alice", "logout", NULL, "192.168.1.1", at.clone()],
            row![62, 2, "bob", "generate", "event 61", NULL, at.clone()],
            row![61, 1, "alice", "login", NULL, "10.0.0.60", at],
        ]
    );
    // The cut falls inside a tie: 16 is in, 15 (same 10:07) and everything older is out.
    assert_eq!(got[99], row![16, 1, "alice", "template_create", NULL, NULL, ts("2024-07-01 10:07:00")]);

    // Every row, worked out from the activity list: newest first, ties by id, newest first.
    let username = |id: i64| match id {
        1 => "alice".val(),
        2 => "bob".val(),
        3 => "carol".val(),
        4 => "dave".val(),
        _ => NULL,
    };
    let mut all = activities(recent);
    all.sort_by(|a, b| (&b.created_at, b.id).cmp(&(&a.created_at, a.id)));
    let expected: Vec<Vec<V>> = all
        .iter()
        .take(100)
        .map(|a| {
            row![
                a.id,
                a.user_id,
                username(a.user_id),
                a.activity_type,
                a.description.clone(),
                a.ip_address.clone(),
                ts(&a.created_at)
            ]
        })
        .collect();
    assert_eq!(got, expected);
    let ids: Vec<&V> = got.iter().map(|r| &r[0]).collect();
    assert!(!ids.contains(&&V::Int(15)) && !ids.contains(&&V::Int(116)) && ids.contains(&&V::Int(16)));
}

/// A new activity, inserted into the data set by this…
pub const NEWEST_ACTIVITY: &str = "INSERT INTO user_activities (id, user_id, activity_type) VALUES (117, 5, 'login')";

/// …goes to the top of `SELECT activity_id, username, activity_type,
/// description, ip_address FROM recent_activity`, pushing the oldest (16) out.
pub fn assert_newest_activity_on_top(got: &[Vec<V>]) {
    assert_eq!(got.len(), 100);
    assert_eq!(got[0], row![117, "erin", "login", NULL, NULL]);
    assert_eq!(got[99][0], 17.val());
}

/// The messages of 013's validation triggers, the same on every database.
pub const EMAIL_RULE: &str =
    "invalid email: users.email must look like name@domain.tld (one @, no spaces, a dot inside the domain)";
pub const COUNT_RULE: &str =
    "negative count: usage_statistics generations, pages_generated, characters_generated and processing_ms must be >= 0";

/// Emails 013's rule refuses, and emails it accepts.
pub const BAD_EMAILS: [&str; 14] = [
    "x@y",
    "@y.z",
    "x@.z",
    "x@y.",
    "x@y..z",
    "x@@y.z",
    "x y@z.w",
    "plainaddress",
    "",
    "x@y.z ",
    "x@y.z\n",
    "\tx@y.z",
    "a@b@c.d",
    "x@y.z\u{b}",
];
pub const GOOD_EMAILS: [&str; 3] = ["x@y.z", "first.last+tag@mail.example.org", "ANN_B-1@sub.example.co.uk"];

/// The usage counts 013's triggers keep from going below 0.
pub const COUNTS: [&str; 4] = ["generations", "pages_generated", "characters_generated", "processing_ms"];

/// The `.sql` files in `dir`, sorted.
pub fn file_names(dir: &std::path::Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("read {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".sql"))
        .collect();
    names.sort();
    names
}

/// `dir` (a server's folder beside `migrations/versions`) has SQLite's
/// fourteen file names, and `strata status` reads it as fourteen pending
/// migrations: only the folder is read (the SQLite file is neither there
/// nor created), and no SQL runs.
pub fn assert_mirrors_the_sqlite_folder(dir: &std::path::Path) {
    let sqlite = dir.join("../versions");
    assert_eq!(file_names(dir), file_names(&sqlite));
    assert_eq!(file_names(&sqlite).len(), 14);
    let scratch = tempfile::tempdir().unwrap();
    let output = assert_cmd::Command::cargo_bin("strata")
        .unwrap()
        .env_remove("DATABASE_URL")
        .env("NO_COLOR", "1")
        .arg("--database")
        .arg(format!("sqlite:{}", scratch.path().join("none.db").display()))
        .arg("--dir")
        .arg(dir)
        .arg("status")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("| 0 applied, 14 pending"), "{stdout}");
    assert!(stdout.contains("014      create_backup_utilities"), "{stdout}");
    assert!(!scratch.path().join("none.db").exists());
}
