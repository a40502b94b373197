"""Every SQL statement of the local forge: its schema, its migrations and its queries.

Kept apart from the Python so the whole store can be read on one page. Plain SQLite 3.24+
(upsert syntax); no JSON1, STRICT or RETURNING, so any Python's bundled SQLite opens it.
"""

from __future__ import annotations

# Bump when a migration is added; `MIGRATIONS[n]` takes a store from version n-1 to n.
SCHEMA_VERSION = 2

_V1: tuple[str, ...] = (
    """CREATE TABLE schema_version (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        version INTEGER NOT NULL
    )""",
    """CREATE TABLE labels (
        name TEXT PRIMARY KEY,
        color TEXT NOT NULL,
        description TEXT NOT NULL
    )""",
    """CREATE TABLE milestones (
        number INTEGER PRIMARY KEY,
        title TEXT NOT NULL UNIQUE,
        description TEXT NOT NULL,
        due_on TEXT
    )""",
    # One sequence for issues and pull requests, as on GitHub: this table makes a number unique
    # across both kinds and gives comments one thing to point at.
    """CREATE TABLE numbers (
        number INTEGER PRIMARY KEY,
        kind TEXT NOT NULL CHECK (kind IN ('issue', 'pull'))
    )""",
    # parent_key is a key, not a foreign key: the parent may arrive in a later batch.
    """CREATE TABLE issues (
        number INTEGER PRIMARY KEY REFERENCES numbers (number),
        key TEXT NOT NULL UNIQUE,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        milestone INTEGER REFERENCES milestones (number),
        state TEXT NOT NULL CHECK (state IN ('open', 'closed')),
        parent_key TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    """CREATE TABLE issue_labels (
        issue_number INTEGER NOT NULL REFERENCES issues (number),
        label TEXT NOT NULL REFERENCES labels (name),
        PRIMARY KEY (issue_number, label)
    ) WITHOUT ROWID""",
    """CREATE TABLE comments (
        id INTEGER PRIMARY KEY,
        issue_number INTEGER NOT NULL REFERENCES numbers (number),
        author TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX comments_by_issue ON comments (issue_number, id)",
    """CREATE TABLE pull_requests (
        number INTEGER PRIMARY KEY REFERENCES numbers (number),
        head TEXT NOT NULL,
        base TEXT NOT NULL,
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        author TEXT NOT NULL,
        task_key TEXT NOT NULL,
        stage TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('open', 'merged', 'closed')),
        head_sha TEXT NOT NULL,
        merge_sha TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    )""",
    # The database itself refuses a second open pull request for a branch, whatever the caller.
    "CREATE UNIQUE INDEX one_open_pull_per_head ON pull_requests (head) WHERE state = 'open'",
    """CREATE TABLE reviews (
        id INTEGER PRIMARY KEY,
        pr_number INTEGER NOT NULL REFERENCES pull_requests (number),
        reviewer TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('approved', 'changes_requested', 'commented')),
        commit_sha TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
    )""",
    "CREATE INDEX reviews_by_pull ON reviews (pr_number, id)",
    """CREATE TABLE checks (
        id INTEGER PRIMARY KEY,
        pr_number INTEGER NOT NULL REFERENCES pull_requests (number),
        name TEXT NOT NULL,
        commit_sha TEXT NOT NULL,
        conclusion TEXT NOT NULL CHECK (conclusion IN ('success', 'failure')),
        summary TEXT NOT NULL,
        details TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (pr_number, name, commit_sha)
    )""",
)

# The open pull requests are listed several times a stage; without an index of their own that
# read every pull request of the run (30,000 after a 10,000-task plan).
_V2: tuple[str, ...] = ("CREATE INDEX open_pulls ON pull_requests (number) WHERE state = 'open'",)

MIGRATIONS: dict[int, tuple[str, ...]] = {1: _V1, 2: _V2}

# --- connection and schema -------------------------------------------------------------------

# NORMAL: with WAL it survives any process crash (SIGKILL included); only a power loss may drop
# the last transactions, the same exposure as the git objects and refs beside it, which libgit2
# does not fsync either. FULL cost an fsync per transaction, ~3 ms, a dozen per stage.
CONNECTION_PRAGMAS: tuple[str, ...] = (
    "PRAGMA foreign_keys = ON",
    "PRAGMA synchronous = NORMAL",
)
ENABLE_WAL = "PRAGMA journal_mode = WAL"
GET_BUSY_TIMEOUT_MS = "PRAGMA busy_timeout"
SCHEMA_TABLE_EXISTS = (
    "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_version'"
)
GET_SCHEMA_VERSION = "SELECT version FROM schema_version WHERE id = 1"
SET_SCHEMA_VERSION = (
    "INSERT INTO schema_version (id, version) VALUES (1, ?) "
    "ON CONFLICT (id) DO UPDATE SET version = excluded.version"
)

# --- labels and milestones -------------------------------------------------------------------

LIST_LABELS = "SELECT name, color, description FROM labels ORDER BY name"
INSERT_LABEL = "INSERT INTO labels (name, color, description) VALUES (?, ?, ?)"
UPDATE_LABEL = "UPDATE labels SET color = ?, description = ? WHERE name = ?"

LIST_MILESTONES = "SELECT number, title, description, due_on FROM milestones ORDER BY number"
INSERT_MILESTONE = (
    "INSERT INTO milestones (title, description, due_on) VALUES (:title, :description, :due_on)"
)
UPDATE_MILESTONE = (
    "UPDATE milestones SET description = :description, due_on = :due_on WHERE title = :title"
)

# --- issues ----------------------------------------------------------------------------------

NEXT_NUMBER = "SELECT coalesce(max(number), 0) + 1 FROM numbers"
INSERT_NUMBER = "INSERT INTO numbers (number, kind) VALUES (?, ?)"
NUMBER_KIND = "SELECT kind FROM numbers WHERE number = ?"

# One row per (issue, label); rows of an issue are adjacent, labels in name order.
_SELECT_ISSUES = (
    "SELECT i.number, i.key, i.title, i.body, m.title, i.state, i.parent_key, l.label "
    "FROM issues AS i "
    "LEFT JOIN milestones AS m ON m.number = i.milestone "
    "LEFT JOIN issue_labels AS l ON l.issue_number = i.number "
)
_ISSUE_ORDER = " ORDER BY i.number, l.label"
LIST_ISSUES = _SELECT_ISSUES + _ISSUE_ORDER
ISSUE_BY_KEY = _SELECT_ISSUES + "WHERE i.key = ?" + _ISSUE_ORDER


# Queries over a list of keys are built here; only '?' marks are formatted in, never values.
def issues_by_keys(count: int) -> str:
    return _SELECT_ISSUES + f"WHERE i.key IN ({_marks(count)})" + _ISSUE_ORDER


def _marks(count: int) -> str:
    return ", ".join("?" * count)


INSERT_ISSUE = (
    "INSERT INTO issues (number, key, title, body, milestone, state, parent_key, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
UPDATE_ISSUE = (
    "UPDATE issues SET title = ?, body = ?, milestone = ?, state = ?, parent_key = ?, "
    "updated_at = ? WHERE number = ?"
)
DELETE_ISSUE_LABELS = "DELETE FROM issue_labels WHERE issue_number = ?"
INSERT_ISSUE_LABEL = "INSERT INTO issue_labels (issue_number, label) VALUES (?, ?)"

# --- comments --------------------------------------------------------------------------------

INSERT_COMMENT = "INSERT INTO comments (issue_number, author, body, created_at) VALUES (?, ?, ?, ?)"
LIST_COMMENTS = (
    "SELECT id, issue_number, author, body, created_at FROM comments "
    "WHERE issue_number = ? ORDER BY id"
)

# --- pull requests ---------------------------------------------------------------------------

_PULL_COLUMNS = (
    "number, head, base, title, body, author, task_key, stage, state, head_sha, merge_sha"
)
GET_PULL = f"SELECT {_PULL_COLUMNS} FROM pull_requests WHERE number = ?"
OPEN_PULL_FOR_HEAD = f"SELECT {_PULL_COLUMNS} FROM pull_requests WHERE head = ? AND state = 'open'"
LIST_PULLS = f"SELECT {_PULL_COLUMNS} FROM pull_requests ORDER BY number"
LIST_PULLS_IN_STATE = f"SELECT {_PULL_COLUMNS} FROM pull_requests WHERE state = ? ORDER BY number"
INSERT_PULL = (
    "INSERT INTO pull_requests (number, head, base, title, body, author, task_key, stage, state, "
    "head_sha, merge_sha, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?, '', ?, ?)"
)
SET_PULL_HEAD = "UPDATE pull_requests SET head_sha = ?, updated_at = ? WHERE number = ?"
SET_PULL_STATE = (
    "UPDATE pull_requests SET state = ?, merge_sha = ?, updated_at = ? WHERE number = ?"
)

# --- reviews and checks ----------------------------------------------------------------------

INSERT_REVIEW = (
    "INSERT INTO reviews (pr_number, reviewer, state, commit_sha, body, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?)"
)
LAST_REVIEW_BY = (
    "SELECT pr_number, reviewer, state, commit_sha, body FROM reviews "
    "WHERE pr_number = ? AND reviewer = ? ORDER BY id DESC LIMIT 1"
)
LIST_REVIEWS = (
    "SELECT pr_number, reviewer, state, commit_sha, body FROM reviews "
    "WHERE pr_number = ? ORDER BY id"
)
UPSERT_CHECK = (
    "INSERT INTO checks (pr_number, name, commit_sha, conclusion, summary, details, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (pr_number, name, commit_sha) DO UPDATE SET "
    "conclusion = excluded.conclusion, summary = excluded.summary, "
    "details = excluded.details, updated_at = excluded.updated_at"
)
# Ordered by first report, so a re-recorded check keeps its place.
LIST_CHECKS = (
    "SELECT pr_number, name, commit_sha, conclusion, summary, details FROM checks "
    "WHERE pr_number = ? ORDER BY id"
)
