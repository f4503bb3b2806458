/*
 * schema_v2.c - the DDL of schema version 2 and of version 3, which adds the kernel_log table
 * to it: tables, the faults view and the analysis views, and the steps that upgrade a version
 * 1 or 2 log.
 *
 * The SQL is written out as SQL, with {NAME} placeholders for the constants it needs from the
 * model's headers (bit values of X86_PF_*, VM_*, _PAGE_*, VM_FAULT_*), so no value is retyped:
 * fl_schema_sql() expands them. docs/schema.md documents every table, column and view.
 *
 * Design notes:
 *  - raw_faults holds one fault as compactly as SQLite can store it: integers only; repeated
 *    text (handler paths, file names, VMA shapes, outcome names) lives in lookup tables. Every
 *    stored column costs on each of the hundreds of thousands of inserts per second (about
 *    30 ns each with SQLite 3.40, on top of about 100 ns per row).
 *  - Version 2: what a fault shares with many others (process, error code, VMA, handler path,
 *    VM_FAULT_* result, outcome, signal) is one fault_classes row, and raw_faults keeps only
 *    what is its own (when, where, the PTE before and after) and a class_id: 7 columns where
 *    version 1 had 14, a writer 1.4x faster per row and a smaller file. A run has a few
 *    thousand classes at most (the distinct combinations fault_counts also counts).
 *  - Its key is one integer, fault_id = run_id << {SEQ_BITS} | seq: (run_id, seq) is unique and
 *    ordered through it, and an insert appends to one b-tree instead of also updating a
 *    two-column index (measured: 1.4x the insert rate).
 *  - faults is a view: derived columns (page, access, vma_perms, handler, vm_fault_flags, pfn_*)
 *    cost nothing until read, and then only for the columns a query names. (SQLite computes
 *    even VIRTUAL generated columns on INSERT: measured 1.4x slower inserts.) raw_faults is
 *    joined to its class with CROSS JOIN, which keeps raw_faults the outer loop (one rowid
 *    lookup per fault in the small classes table, never an automatic index over the faults);
 *    the other joins are LEFT JOINs on primary keys, which SQLite drops from a query that uses
 *    none of their columns.
 *  - The analysis views need no index: they group, or use window functions (one sort).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "db/schema.h"
#include "kernel_model/mm.h"

/* One per distinct (process, error code, VMA, path, result, outcome, signal): the part of
 * a fault that many faults share. vma_id NULL: no VMA. */
static const char classes_table[] =
    "CREATE TABLE fault_classes(\n"
    "  class_id INTEGER PRIMARY KEY,\n"
    "  pid INTEGER NOT NULL,\n"
    "  error_code INTEGER NOT NULL,\n"
    "  vma_id INTEGER REFERENCES vmas,\n"
    "  path_id INTEGER NOT NULL REFERENCES paths,\n"
    "  vm_fault INTEGER NOT NULL,\n"
    "  outcome INTEGER NOT NULL REFERENCES outcomes,\n"
    "  signo INTEGER NOT NULL,\n"
    "  si_code INTEGER NOT NULL,\n"
    "  UNIQUE(pid, error_code, vma_id, path_id, vm_fault, outcome, signo, si_code));\n";

/* No NOT NULL here: only the writer fills it, and each constraint is one more check per
 * row (measured: 2-6% of the insert). */
static const char raw_faults_table[] = "CREATE TABLE raw_faults(\n"
                                       "  fault_id INTEGER PRIMARY KEY,\n"
                                       "  class_id INTEGER REFERENCES fault_classes,\n"
                                       "  icount INTEGER,\n"
                                       "  ip INTEGER,\n"
                                       "  sp INTEGER,\n"
                                       "  address INTEGER,\n"
                                       "  pte_before INTEGER,\n"
                                       "  pte_after INTEGER);\n";

/* Version 3: the machine's kernel log, a row per record (db/kernel_log.c). */
static const char kernel_log_table[] =
    "CREATE TABLE kernel_log(\n"
    "  run_id INTEGER NOT NULL REFERENCES runs,\n"
    "  seq INTEGER NOT NULL,   -- the record's number in the machine's log (/dev/kmsg's seq)\n"
    "  fault_seq INTEGER,      -- the fault in progress, or the last before (NULL: none yet)\n"
    "  time_ns INTEGER,        -- its time stamp: the machine's CLOCK_MONOTONIC\n"
    "  facility INTEGER,       -- 0 the kernel, 1 user (a guest's /dev/kmsg write), ...\n"
    "  level INTEGER,          -- 0 emerg, 1 alert, 2 crit, 3 err, 4 warning, 5 notice, 6 info,\n"
    "                          -- 7 debug\n"
    "  text TEXT,\n"
    "  PRIMARY KEY(run_id, seq));\n";

/* Every table of a new log. */
static const char schema_tables[] =
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);\n"
    "INSERT INTO meta VALUES('application', 'faultline'), ('schema_version', '{SCHEMA_VERSION}'),\n"
    "  ('created_at', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));\n"

    "CREATE TABLE runs(\n"
    "  run_id INTEGER PRIMARY KEY,\n"
    "  started_at TEXT NOT NULL,\n"
    "  finished_at TEXT,\n"
    "  exe TEXT,\n"
    "  argv TEXT,\n"
    "  options TEXT,\n"
    "  ram_bytes INTEGER,\n"
    "  fault_around_bytes INTEGER,\n"
    "  status TEXT NOT NULL DEFAULT 'running',\n"
    "  exit_code INTEGER,\n"
    "  term_signal INTEGER,\n"
    "  faults INTEGER,\n"
    "  min_flt INTEGER,\n"
    "  maj_flt INTEGER,\n"
    "  instructions INTEGER,\n"
    "  wall_seconds REAL,\n"
    "  message TEXT);\n"

    "CREATE TABLE processes(\n"
    "  run_id INTEGER NOT NULL REFERENCES runs,\n"
    "  pid INTEGER NOT NULL,\n"
    "  ppid INTEGER,\n"
    "  exe TEXT,\n"
    "  argv TEXT,\n"
    "  exit_code INTEGER,\n"
    "  term_signal INTEGER,\n"
    "  min_flt INTEGER,\n"
    "  maj_flt INTEGER,\n"
    "  PRIMARY KEY(run_id, pid));\n"

    "CREATE TABLE paths(\n"
    "  path_id INTEGER PRIMARY KEY,\n"
    "  path TEXT NOT NULL UNIQUE,\n"
    "  handler TEXT NOT NULL);\n"
    "CREATE TABLE files(\n"
    "  file_id INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL UNIQUE);\n"
    "CREATE TABLE vmas(\n"
    "  vma_id INTEGER PRIMARY KEY,\n"
    "  vma_start INTEGER NOT NULL,\n"
    "  vma_end INTEGER NOT NULL,\n"
    "  vma_flags INTEGER NOT NULL,\n"
    "  vma_pgoff INTEGER NOT NULL,\n"
    "  file_id INTEGER REFERENCES files,\n"
    "  UNIQUE(vma_start, vma_end, vma_flags, vma_pgoff, file_id));\n"
    "CREATE TABLE outcomes(\n"
    "  outcome INTEGER PRIMARY KEY,\n"
    "  name TEXT NOT NULL);\n"

    "{CLASSES_TABLE}{RAW_FAULTS_TABLE}"

    /* Kept by the writer (counts.c): one row per kind of fault, so counting questions read a
     * few thousand groups instead of sorting every fault. vma_id 0: no VMA. */
    "CREATE TABLE fault_counts(\n"
    "  run_id INTEGER NOT NULL,\n"
    "  pid INTEGER NOT NULL,\n"
    "  vma_id INTEGER NOT NULL,\n"
    "  path_id INTEGER NOT NULL,\n"
    "  outcome INTEGER NOT NULL,\n"
    "  kind INTEGER NOT NULL,\n"
    "  n INTEGER NOT NULL,\n"
    "  first_seq INTEGER NOT NULL,\n"
    "  last_seq INTEGER NOT NULL,\n"
    "  PRIMARY KEY(run_id, pid, vma_id, path_id, outcome, kind)) WITHOUT ROWID;\n"
    "{KERNEL_LOG_TABLE}";

/* Every view: created with the tables, and again by the upgrade from version 1. */
static const char schema_views[] =
    /* handler comes from paths; the text after the last '>' is computed once per path. */
    "CREATE VIEW faults AS SELECT\n"
    "  r.fault_id >> {SEQ_BITS} AS run_id, r.fault_id & {SEQ_MAX} AS seq, r.fault_id,\n"
    "  c.pid, r.icount, r.ip, r.sp, r.address, r.address & {PAGE_MASK} AS page, c.error_code,\n"
    "  CASE WHEN c.error_code & {X86_PF_INSTR} THEN 'exec'\n"
    "       WHEN c.error_code & {X86_PF_WRITE} THEN 'write' ELSE 'read' END AS access,\n"
    "  (c.error_code & {X86_PF_USER}) != 0 AS user, (c.error_code & {X86_PF_PROT}) != 0 AS prot,\n"
    "  v.vma_start, v.vma_end,\n"
    "  {PERMS(v.vma_flags)} AS vma_perms,\n"
    "  v.vma_flags, v.vma_pgoff, f.name AS vma_file, p.path, p.handler,\n"
    "  c.vm_fault, {VM_FAULT_FLAGS(c.vm_fault)} AS vm_fault_flags,\n"
    "  o.name AS outcome, c.signo, c.si_code, r.pte_before, r.pte_after,\n"
    "  CASE WHEN r.pte_before & {_PAGE_PRESENT}\n"
    "    THEN (r.pte_before & {PTE_PFN_MASK}) >> {PAGE_SHIFT} END AS pfn_before,\n"
    "  CASE WHEN r.pte_after & {_PAGE_PRESENT}\n"
    "    THEN (r.pte_after & {PTE_PFN_MASK}) >> {PAGE_SHIFT} END AS pfn_after,\n"
    "  c.vma_id, c.path_id, r.class_id\n"
    "FROM raw_faults r CROSS JOIN fault_classes c ON c.class_id = r.class_id\n"
    "  LEFT JOIN paths p ON p.path_id = c.path_id\n"
    "  LEFT JOIN vmas v ON v.vma_id = c.vma_id\n"
    "  LEFT JOIN files f ON f.file_id = v.file_id\n"
    "  LEFT JOIN outcomes o ON o.outcome = c.outcome;\n"

    /* printf('0x%x', NULL) would print 0x0: nullable columns keep their NULL. */
    "CREATE VIEW fault_log AS SELECT run_id, seq, pid, icount,\n"
    "  printf('0x%x', ip) AS ip, printf('0x%x', sp) AS sp,\n"
    "  printf('0x%x', address) AS address, printf('0x%x', page) AS page,\n"
    "  printf('0x%x', error_code) AS error_code, {PF_FLAGS(error_code)} AS error_flags,\n"
    "  access, CASE WHEN user THEN 'user' ELSE 'kernel' END AS mode,\n"
    "  CASE WHEN vma_start IS NOT NULL THEN printf('0x%x', vma_start) END AS vma_start,\n"
    "  CASE WHEN vma_end IS NOT NULL THEN printf('0x%x', vma_end) END AS vma_end,\n"
    "  vma_perms,\n"
    "  CASE WHEN vma_flags IS NOT NULL THEN printf('0x%x', vma_flags) END AS vma_flags,\n"
    "  vma_pgoff, vma_file, path, handler,\n"
    "  printf('0x%x', vm_fault) AS vm_fault, vm_fault_flags, outcome, signo, si_code,\n"
    "  printf('0x%x', pte_before) AS pte_before, printf('0x%x', pte_after) AS pte_after,\n"
    "  CASE WHEN pfn_before IS NOT NULL THEN printf('0x%x', pfn_before) END AS pfn_before,\n"
    "  CASE WHEN pfn_after IS NOT NULL THEN printf('0x%x', pfn_after) END AS pfn_after\n"
    "FROM faults;\n"

    "CREATE VIEW handler_counts AS SELECT g.run_id, p.handler, o.name AS outcome,\n"
    "  sum(g.n) AS n,\n"
    "  round(100.0 * sum(g.n) / sum(sum(g.n)) OVER (PARTITION BY g.run_id), 2) AS pct\n"
    "FROM fault_counts g JOIN paths p ON p.path_id = g.path_id\n"
    "  JOIN outcomes o ON o.outcome = g.outcome\n"
    "GROUP BY g.run_id, p.handler, o.name ORDER BY g.run_id, n DESC, p.handler;\n"

    "CREATE VIEW path_counts AS SELECT g.run_id, p.path, o.name AS outcome, sum(g.n) AS n,\n"
    "  round(100.0 * sum(g.n) / sum(sum(g.n)) OVER (PARTITION BY g.run_id), 2) AS pct\n"
    "FROM fault_counts g JOIN paths p ON p.path_id = g.path_id\n"
    "  JOIN outcomes o ON o.outcome = g.outcome\n"
    "GROUP BY g.run_id, p.path, o.name ORDER BY g.run_id, n DESC, p.path;\n"

    /* A VMA that grows keeps one end fixed: the start for upward growth (heap via brk), the end
     * for VM_GROWSDOWN (stack). Grouping on that end keeps it one row. */
    "CREATE VIEW vma_faults AS SELECT g.run_id, g.pid,\n"
    "  printf('0x%x', min(v.vma_start)) AS vma_start, printf('0x%x', max(v.vma_end)) AS vma_end,\n"
    "  {PERMS(v.vma_flags)} AS vma_perms, f.name AS vma_file, sum(g.n) AS n,\n"
    "  sum(g.n * (o.name = 'minor')) AS minor,\n"
    "  sum(g.n * (o.name IN ('major', 'userfault'))) AS major,\n"
    "  sum(g.n * (o.name NOT IN ('minor', 'major', 'spurious', 'userfault'))) AS failed,\n"
    "  sum(g.n * (g.kind & {ACCESS_BITS} = 0)) AS reads,\n"
    "  sum(g.n * (g.kind & {ACCESS_BITS} = {X86_PF_WRITE})) AS writes,\n"
    "  sum(g.n * (g.kind & {X86_PF_INSTR} != 0)) AS execs,\n"
    "  sum(g.n * (instr(p.path, 'do_wp_page') > 0\n"
    "    OR p.handler IN ('do_cow_fault', 'do_huge_pmd_wp_page'))) AS cow,\n"
    "  min(g.first_seq) AS first_seq, max(g.last_seq) AS last_seq\n"
    "FROM fault_counts g JOIN vmas v ON v.vma_id = g.vma_id\n"
    "  LEFT JOIN files f ON f.file_id = v.file_id\n"
    "  JOIN paths p ON p.path_id = g.path_id JOIN outcomes o ON o.outcome = g.outcome\n"
    "GROUP BY g.run_id, g.pid, vma_file, vma_perms,\n"
    "  CASE WHEN v.vma_flags & {VM_GROWSDOWN} THEN v.vma_end ELSE v.vma_start END\n"
    "ORDER BY g.run_id, n DESC;\n"

    /* hot_pages and hot_instructions group raw_faults once (one sort) with the class and the
     * handler names joined per fault from the small tables, and look the VMA's file up per group
     * after sorting, so `LIMIT 10` stops the lookups early. (Grouping on path_id first and
     * naming afterwards needs a second sort of nearly as many groups as faults when most
     * pages fault once.) */
    "CREATE VIEW hot_pages AS SELECT g.run_id, g.pid, printf('0x%x', g.page) AS page, g.n,\n"
    "  g.reads, g.writes, g.execs, g.handlers, f.name AS vma_file, g.first_seq, g.last_seq\n"
    "FROM (SELECT fault_id >> {SEQ_BITS} AS run_id, pid, address & {PAGE_MASK} AS page,\n"
    "    {ACCESS_COUNTS}, group_concat(DISTINCT p.handler) AS handlers,\n"
    "    max(vma_id) AS vma_id\n"
    "  FROM raw_faults r CROSS JOIN fault_classes c ON c.class_id = r.class_id\n"
    "    JOIN paths p ON p.path_id = c.path_id\n"
    "  GROUP BY 1, 2, 3 ORDER BY 1, n DESC, 3) g\n"
    "  LEFT JOIN vmas v ON v.vma_id = g.vma_id LEFT JOIN files f ON f.file_id = v.file_id;\n"

    "CREATE VIEW hot_instructions AS SELECT g.run_id, g.pid, printf('0x%x', g.ip) AS ip,\n"
    "  g.n, g.pages, g.reads, g.writes, g.execs, g.handlers, f.name AS vma_file, g.first_seq,\n"
    "  g.last_seq\n"
    "FROM (SELECT fault_id >> {SEQ_BITS} AS run_id, pid, ip,\n"
    "    count(DISTINCT address & {PAGE_MASK}) AS pages, {ACCESS_COUNTS},\n"
    "    group_concat(DISTINCT p.handler) AS handlers, max(vma_id) AS vma_id\n"
    "  FROM raw_faults r CROSS JOIN fault_classes c ON c.class_id = r.class_id\n"
    "    JOIN paths p ON p.path_id = c.path_id\n"
    "  GROUP BY 1, 2, 3 ORDER BY 1, n DESC, 3) g\n"
    "  LEFT JOIN vmas v ON v.vma_id = g.vma_id LEFT JOIN files f ON f.file_id = v.file_id;\n"

    /* Write faults on private memory through the write-protect or COW handlers; copied: a new
     * frame was allocated and filled (wp_page_copy, do_cow_fault) rather than reused. A huge
     * PMD's write fault that ends in do_huge_pmd_wp_page either reused the page or, on the huge
     * zero page only, put a new huge page in its place: there the frame tells which. (The huge
     * zero PMD has no special bit, as in Linux.) The path_id filter runs on the class, before
     * any other lookup. */
    "CREATE VIEW cow_faults AS SELECT run_id, seq, pid, icount, printf('0x%x', ip) AS ip,\n"
    "  printf('0x%x', address) AS address, printf('0x%x', vma_start) AS vma_start,\n"
    "  printf('0x%x', vma_end) AS vma_end, vma_perms, vma_file, path, handler,\n"
    "  CASE WHEN handler = 'do_huge_pmd_wp_page' THEN pfn_before != pfn_after\n"
    "    ELSE handler IN ('wp_page_copy', 'do_cow_fault') END AS copied,\n"
    "  CASE WHEN handler = 'do_huge_pmd_wp_page' THEN pfn_before != pfn_after\n"
    "    ELSE (pte_before & {ZERO_PTE_BITS}) = {ZERO_PTE_BITS} END AS from_zero_page, outcome,\n"
    "  CASE WHEN pfn_before IS NOT NULL THEN printf('0x%x', pfn_before) END AS pfn_before,\n"
    "  CASE WHEN pfn_after IS NOT NULL THEN printf('0x%x', pfn_after) END AS pfn_after\n"
    "FROM faults WHERE path_id IN (SELECT path_id FROM paths\n"
    "    WHERE instr(path, 'do_wp_page') > 0\n"
    "      OR handler IN ('do_cow_fault', 'do_huge_pmd_wp_page'))\n"
    "  AND vma_flags & {VM_SHARED} = 0;\n"

    /* A read that mapped the zero page, paired with the next write fault on that page by the
     * same process, unless another zero-page read (the page was unmapped in between) came
     * first. lead() over the interesting rows needs one sort and no index. */
    "CREATE VIEW zero_page_reads_later_written AS\n"
    "WITH ev AS (SELECT r.fault_id, r.fault_id >> {SEQ_BITS} AS run_id, c.pid,\n"
    "    address & {PAGE_MASK} AS page, icount, ip, error_code & {ACCESS_BITS} = {X86_PF_WRITE}\n"
    "      AS is_write,\n"
    "    error_code & {X86_PF_WRITE} = 0 AND (pte_after & {ZERO_PTE_BITS}) = {ZERO_PTE_BITS}\n"
    "      AND path_id IN (SELECT path_id FROM paths WHERE handler = 'do_anonymous_page')\n"
    "      AS zero_read\n"
    "  FROM raw_faults r CROSS JOIN fault_classes c ON c.class_id = r.class_id),\n"
    "nx AS (SELECT *, lead(fault_id) OVER w AS next_id, lead(is_write) OVER w AS next_is_write\n"
    "  FROM ev WHERE zero_read OR is_write\n"
    "  WINDOW w AS (PARTITION BY run_id, pid, page ORDER BY fault_id))\n"
    "SELECT nx.run_id, nx.pid, printf('0x%x', nx.page) AS page, nx.fault_id & {SEQ_MAX}\n"
    "  AS read_seq, nx.icount AS read_icount, printf('0x%x', nx.ip) AS read_ip,\n"
    "  f.seq AS write_seq, f.icount AS write_icount, printf('0x%x', f.ip) AS write_ip,\n"
    "  f.handler AS write_handler\n"
    "FROM nx JOIN faults f ON f.fault_id = nx.next_id\n"
    "WHERE nx.zero_read AND nx.next_is_write\n"
    "ORDER BY nx.run_id, read_seq;\n"

    "CREATE VIEW latest_run AS SELECT max(run_id) AS run_id FROM runs;\n"

    "CREATE VIEW run_summary AS SELECT r.run_id, r.started_at, r.finished_at, r.exe, r.argv,\n"
    "  CASE WHEN r.status = 'running' THEN 'unfinished' ELSE r.status END AS status,\n"
    "  r.exit_code, r.term_signal, r.wall_seconds, r.instructions, r.faults,\n"
    "  coalesce(f.n, 0) AS faults_logged, coalesce(f.minor, 0) AS minor,\n"
    "  coalesce(f.major, 0) AS major, coalesce(f.signals, 0) AS signals,\n"
    "  coalesce(f.efault, 0) AS efault, coalesce(f.killed, 0) AS killed,\n"
    "  coalesce(f.spurious, 0) AS spurious, coalesce(f.user_mode, 0) AS user_mode,\n"
    "  coalesce(f.kernel_mode, 0) AS kernel_mode,\n"
    "  (SELECT count(*) FROM processes p WHERE p.run_id = r.run_id) AS processes, r.message\n"
    "FROM runs r LEFT JOIN (SELECT g.run_id, {OUTCOME_COUNTS}\n"
    "  FROM fault_counts g JOIN outcomes o ON o.outcome = g.outcome GROUP BY g.run_id) f\n"
    "  ON f.run_id = r.run_id\n"
    "ORDER BY r.run_id;\n"

    "CREATE VIEW process_summary AS SELECT p.run_id, p.pid, p.ppid, p.exe, p.argv,\n"
    "  p.exit_code, p.term_signal, p.min_flt, p.maj_flt, coalesce(f.n, 0) AS faults,\n"
    "  coalesce(f.minor, 0) AS minor, coalesce(f.major, 0) AS major,\n"
    "  coalesce(f.signals, 0) AS signals, coalesce(f.efault, 0) AS efault,\n"
    "  coalesce(f.kernel_mode, 0) AS kernel_mode\n"
    "FROM processes p LEFT JOIN (SELECT g.run_id, g.pid, {OUTCOME_COUNTS}\n"
    "  FROM fault_counts g JOIN outcomes o ON o.outcome = g.outcome GROUP BY g.run_id, g.pid) f\n"
    "  ON f.run_id = p.run_id AND f.pid = p.pid\n"
    "ORDER BY p.run_id, p.pid;\n"

    "";

/* The marks that make the file a faultline log of this version (schema.h). */
static const char schema_marks[] = "PRAGMA application_id = {APPLICATION_ID};\n"
                                   "PRAGMA user_version = {SCHEMA_VERSION};\n";

/*
 * Version 1 to 2, in the caller's transaction: the views go (they name raw_faults' old
 * columns), each distinct class of the old rows becomes a fault_classes row (numbered in the
 * order of its first fault), every fault is copied with its class_id (a lookup through the
 * classes' UNIQUE index), and the views and marks of version 2 are created. Lookup tables,
 * runs, processes and fault_counts are the same in both versions.
 */
static const char upgrade_from_v1[] =
    "DROP VIEW IF EXISTS faults; DROP VIEW IF EXISTS fault_log;\n"
    "DROP VIEW IF EXISTS handler_counts; DROP VIEW IF EXISTS path_counts;\n"
    "DROP VIEW IF EXISTS vma_faults; DROP VIEW IF EXISTS hot_pages;\n"
    "DROP VIEW IF EXISTS hot_instructions; DROP VIEW IF EXISTS cow_faults;\n"
    "DROP VIEW IF EXISTS zero_page_reads_later_written; DROP VIEW IF EXISTS latest_run;\n"
    "DROP VIEW IF EXISTS run_summary; DROP VIEW IF EXISTS process_summary;\n"
    "ALTER TABLE raw_faults RENAME TO raw_faults_v1;\n"
    "{CLASSES_TABLE}{RAW_FAULTS_TABLE}"
    "INSERT INTO fault_classes(pid, error_code, vma_id, path_id, vm_fault, outcome, signo,\n"
    "    si_code)\n"
    "  SELECT pid, error_code, vma_id, path_id, vm_fault, outcome, signo, si_code\n"
    "  FROM raw_faults_v1 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8 ORDER BY min(fault_id);\n"
    "INSERT INTO raw_faults(fault_id, class_id, icount, ip, sp, address, pte_before, pte_after)\n"
    "  SELECT o.fault_id, c.class_id, o.icount, o.ip, o.sp, o.address, o.pte_before,\n"
    "    o.pte_after\n"
    "  FROM raw_faults_v1 o JOIN fault_classes c ON c.pid = o.pid\n"
    "    AND c.error_code = o.error_code AND c.vma_id IS o.vma_id AND c.path_id = o.path_id\n"
    "    AND c.vm_fault = o.vm_fault AND c.outcome = o.outcome AND c.signo = o.signo\n"
    "    AND c.si_code = o.si_code\n"
    "  ORDER BY o.fault_id;\n"
    "DROP TABLE raw_faults_v1;\n"
    "UPDATE meta SET value = '{SCHEMA_VERSION}' WHERE key = 'schema_version';\n"
    "{VIEWS}{MARKS}";

/* Version 2 to 3: the kernel_log table, nothing else changes. (A version 1 log takes the step
 * to 2 first, then this one.) */
static const char upgrade_from_v2[] =
    "{KERNEL_LOG_TABLE}"
    "UPDATE meta SET value = '{SCHEMA_VERSION}' WHERE key = 'schema_version';\n"
    "{MARKS}";

/* The per-outcome counts run_summary and process_summary share (over fault_counts g and
 * outcomes o). */
static const char outcome_counts[] =
    "sum(g.n) AS n, sum(g.n * (o.name = 'minor')) AS minor,\n"
    "    sum(g.n * (o.name IN ('major', 'userfault'))) AS major,\n"
    "    sum(g.n * (o.name IN ('sigsegv', 'sigbus'))) AS signals,\n"
    "    sum(g.n * (o.name = 'efault')) AS efault, sum(g.n * (o.name IN ('oom', 'kill'))) AS "
    "killed,\n"
    "    sum(g.n * (o.name = 'spurious')) AS spurious,\n"
    "    sum(g.n * (g.kind & {X86_PF_USER} != 0)) AS user_mode,\n"
    "    sum(g.n * (g.kind & {X86_PF_USER} = 0)) AS kernel_mode";

/* Per-group fault counts by access over raw_faults (hot_pages, hot_instructions). */
static const char access_counts[] =
    "count(*) AS n, sum(error_code & {ACCESS_BITS} = 0) AS reads,\n"
    "    sum(error_code & {ACCESS_BITS} = {X86_PF_WRITE}) AS writes,\n"
    "    sum(error_code & {X86_PF_INSTR} != 0) AS execs,\n"
    "    min(fault_id) & {SEQ_MAX} AS first_seq, max(fault_id) & {SEQ_MAX} AS last_seq";

struct bitname {
    unsigned long long bit;
    const char *name;
};

/* VM_FAULT_* names without the prefix: vm_fault_flags = 'MAJOR|WRITE'. */
static const struct bitname vm_fault_names[] = {
    {VM_FAULT_OOM, "OOM"},
    {VM_FAULT_SIGBUS, "SIGBUS"},
    {VM_FAULT_MAJOR, "MAJOR"},
    {VM_FAULT_WRITE, "WRITE"},
    {VM_FAULT_HWPOISON, "HWPOISON"},
    {VM_FAULT_SIGSEGV, "SIGSEGV"},
    {VM_FAULT_NOPAGE, "NOPAGE"},
    {VM_FAULT_LOCKED, "LOCKED"},
    {VM_FAULT_RETRY, "RETRY"},
    {VM_FAULT_FALLBACK, "FALLBACK"},
    {VM_FAULT_DONE_COW, "DONE_COW"},
    {VM_FAULT_NEEDDSYNC, "NEEDDSYNC"},
    {0, NULL},
};

/* X86_PF_* names for fault_log.error_flags = 'PROT|WRITE|USER'. */
static const struct bitname pf_names[] = {
    {X86_PF_PROT, "PROT"},
    {X86_PF_WRITE, "WRITE"},
    {X86_PF_USER, "USER"},
    {X86_PF_RSVD, "RSVD"},
    {X86_PF_INSTR, "INSTR"},
    {X86_PF_PK, "PK"},
    {0, NULL},
};

static const struct {
    const char *name;
    long long value;
} constants[] = {
    {"SCHEMA_VERSION", FL_SCHEMA_VERSION},
    {"APPLICATION_ID", FL_APPLICATION_ID},
    {"SEQ_BITS", FL_SEQ_BITS},
    {"SEQ_MAX", FL_SEQ_MAX},
    {"PAGE_MASK", (long long)PAGE_MASK},
    {"PAGE_SHIFT", PAGE_SHIFT},
    {"PTE_PFN_MASK", (long long)PTE_PFN_MASK},
    {"_PAGE_PRESENT", (long long)_PAGE_PRESENT},
    {"ZERO_PTE_BITS", (long long)(_PAGE_PRESENT | _PAGE_SPECIAL)}, /* pte_mkspecial(zero pfn) */
    {"KIND_BITS", X86_PF_WRITE | X86_PF_INSTR | X86_PF_USER},      /* fault_counts.kind */
    {"ACCESS_BITS", X86_PF_WRITE | X86_PF_INSTR}, /* 0 read, WRITE write, else exec */
    {"X86_PF_PROT", X86_PF_PROT},
    {"X86_PF_WRITE", X86_PF_WRITE},
    {"X86_PF_USER", X86_PF_USER},
    {"X86_PF_INSTR", X86_PF_INSTR},
    {"VM_READ", VM_READ},
    {"VM_WRITE", VM_WRITE},
    {"VM_EXEC", VM_EXEC},
    {"VM_SHARED", VM_SHARED},
    {"VM_GROWSDOWN", VM_GROWSDOWN},
};

/* ltrim(CASE WHEN col & b1 THEN '|N1' ELSE '' END || ..., '|'): '' when no bit is set. */
static void bits_expr(sqlite3_str *s, const char *col, int collen, const struct bitname *t)
{
    sqlite3_str_appendall(s, "ltrim(");
    for (int i = 0; t[i].name; i++)
        sqlite3_str_appendf(s, "%sCASE WHEN %.*s & %llu THEN '|%s' ELSE '' END", i ? " || " : "",
                            (int)collen, col, t[i].bit, t[i].name);
    sqlite3_str_appendall(s, ", '|')");
}

static int expand(sqlite3_str *s, const char *tmpl);

/* 'rw-p' from vm_flags, as /proc/PID/maps prints it; NULL when there is no VMA. */
static void perms_expr(sqlite3_str *s, const char *col, int len)
{
    static const struct {
        unsigned long flag;
        char yes, no;
    } bits[] = {
        {VM_READ, 'r', '-'}, {VM_WRITE, 'w', '-'}, {VM_EXEC, 'x', '-'}, {VM_SHARED, 's', 'p'}};
    sqlite3_str_appendf(s, "CASE WHEN %.*s IS NOT NULL THEN ", len, col);
    for (int i = 0; i < 4; i++)
        sqlite3_str_appendf(s, "%sCASE WHEN %.*s & %lu THEN '%c' ELSE '%c' END", i ? " || " : "",
                            len, col, bits[i].flag, bits[i].yes, bits[i].no);
    sqlite3_str_appendall(s, " END");
}

/* {NAME} placeholders that stand for more SQL (itself expanded). */
static const struct {
    const char *name, *sql;
} templates[] = {
    {"OUTCOME_COUNTS", outcome_counts},
    {"ACCESS_COUNTS", access_counts},
    {"CLASSES_TABLE", classes_table},
    {"RAW_FAULTS_TABLE", raw_faults_table},
    {"KERNEL_LOG_TABLE", kernel_log_table},
    {"VIEWS", schema_views},
    {"MARKS", schema_marks},
};

/* NAME(arg) placeholders: the name matches and arg is the text between the parentheses. */
static bool call(const char *name, size_t len, const char *fn, const char **arg, int *arglen)
{
    size_t fl = strlen(fn);
    if (len <= fl + 2 || strncmp(name, fn, fl) || name[fl] != '(' || name[len - 1] != ')')
        return false;
    *arg = name + fl + 1;
    *arglen = (int)(len - fl - 2);
    return true;
}

/* Expand one placeholder (without braces). 0, or -1 if the name is unknown. */
static int expand_one(sqlite3_str *s, const char *name, size_t len)
{
    const char *arg;
    int arglen;
    if (call(name, len, "VM_FAULT_FLAGS", &arg, &arglen)) {
        bits_expr(s, arg, arglen, vm_fault_names);
        return 0;
    }
    if (call(name, len, "PF_FLAGS", &arg, &arglen)) {
        bits_expr(s, arg, arglen, pf_names);
        return 0;
    }
    if (call(name, len, "PERMS", &arg, &arglen)) {
        perms_expr(s, arg, arglen);
        return 0;
    }
    for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
        if (strlen(templates[i].name) == len && !strncmp(name, templates[i].name, len))
            return expand(s, templates[i].sql);
    }
    for (size_t i = 0; i < sizeof(constants) / sizeof(constants[0]); i++) {
        if (strlen(constants[i].name) == len && !strncmp(name, constants[i].name, len)) {
            sqlite3_str_appendf(s, "%lld", constants[i].value);
            return 0;
        }
    }
    return -1;
}

static int expand(sqlite3_str *s, const char *tmpl)
{
    for (const char *p = tmpl; *p;) {
        const char *open = strchr(p, '{');
        if (!open) {
            sqlite3_str_appendall(s, p);
            break;
        }
        const char *close = strchr(open, '}');
        sqlite3_str_append(s, p, (int)(open - p));
        if (!close || expand_one(s, open + 1, close - open - 1) < 0)
            return -1;
        p = close + 1;
    }
    return 0;
}

int fl_schema_sql(sqlite3_str *s)
{
    return expand(s, schema_tables) < 0 || expand(s, schema_views) < 0 ||
                   expand(s, schema_marks) < 0
               ? -1
               : 0;
}

int fl_schema_upgrade_sql(sqlite3_str *s, int from_version)
{
    if (from_version == 1)
        return expand(s, upgrade_from_v1) < 0 || expand(s, upgrade_from_v2) < 0 ? -1 : 0;
    return from_version == 2 ? expand(s, upgrade_from_v2) : -1;
}
