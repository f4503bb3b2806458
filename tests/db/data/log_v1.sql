-- A fault log of schema version 1 (faultline before 2026-12-06), written by tests/db/make_fixture
-- at 34a9035 and dumped with sqlite3 .dump: the input of the schema upgrade test (db.log_upgrade).
PRAGMA application_id = 1718383724;
PRAGMA user_version = 1;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT);
INSERT INTO meta VALUES('application','faultline');
INSERT INTO meta VALUES('schema_version','1');
INSERT INTO meta VALUES('created_at','2026-12-06T05:24:10.731Z');
CREATE TABLE runs(
  run_id INTEGER PRIMARY KEY,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  exe TEXT,
  argv TEXT,
  options TEXT,
  ram_bytes INTEGER,
  fault_around_bytes INTEGER,
  status TEXT NOT NULL DEFAULT 'running',
  exit_code INTEGER,
  term_signal INTEGER,
  faults INTEGER,
  min_flt INTEGER,
  maj_flt INTEGER,
  instructions INTEGER,
  wall_seconds REAL,
  message TEXT);
INSERT INTO runs VALUES(1,'2026-12-06T05:24:10.735Z','2026-12-06T05:24:10.736Z','/usr/bin/demo','["demo","--flag","a \"b\", c"]','{"ram":"64M"}',67108864,65536,'exited',0,0,13,10,2,7000,0.25,NULL);
INSERT INTO runs VALUES(2,'2026-12-06T05:24:10.736Z',NULL,'/usr/bin/demo2','["demo2"]',NULL,33554432,0,'running',NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
CREATE TABLE processes(
  run_id INTEGER NOT NULL REFERENCES runs,
  pid INTEGER NOT NULL,
  ppid INTEGER,
  exe TEXT,
  argv TEXT,
  exit_code INTEGER,
  term_signal INTEGER,
  min_flt INTEGER,
  maj_flt INTEGER,
  PRIMARY KEY(run_id, pid));
INSERT INTO processes VALUES(1,100,1,'/usr/bin/demo','["demo","--flag","a \"b\", c"]',0,0,9,2);
INSERT INTO processes VALUES(1,101,100,'/usr/bin/demo','["demo","child"]',0,11,1,0);
INSERT INTO processes VALUES(2,200,1,'/usr/bin/demo2','["demo2"]',NULL,NULL,NULL,NULL);
CREATE TABLE paths(
  path_id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  handler TEXT NOT NULL);
INSERT INTO paths VALUES(1,'do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_fault>do_read_fault','do_read_fault');
INSERT INTO paths VALUES(2,'do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_anonymous_page','do_anonymous_page');
INSERT INTO paths VALUES(3,'do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_wp_page>wp_page_copy','wp_page_copy');
INSERT INTO paths VALUES(4,'do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_wp_page>wp_page_reuse','wp_page_reuse');
INSERT INTO paths VALUES(5,'do_user_addr_fault>bad_area','bad_area');
INSERT INTO paths VALUES(6,'do_kern_addr_fault>bad_area_nosemaphore','bad_area_nosemaphore');
INSERT INTO paths VALUES(7,'do_user_addr_fault>handle_mm_fault>handle_pte_fault>do_fault>do_cow_fault','do_cow_fault');
INSERT INTO paths VALUES(8,'do_user_addr_fault>handle_mm_fault>handle_pte_fault','handle_pte_fault');
CREATE TABLE files(
  file_id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE);
INSERT INTO files VALUES(1,'/usr/bin/demo');
INSERT INTO files VALUES(2,'[heap]');
INSERT INTO files VALUES(3,'[stack]');
INSERT INTO files VALUES(4,'/usr/lib/libc.so.6');
CREATE TABLE vmas(
  vma_id INTEGER PRIMARY KEY,
  vma_start INTEGER NOT NULL,
  vma_end INTEGER NOT NULL,
  vma_flags INTEGER NOT NULL,
  vma_pgoff INTEGER NOT NULL,
  file_id INTEGER REFERENCES files,
  UNIQUE(vma_start, vma_end, vma_flags, vma_pgoff, file_id));
INSERT INTO vmas VALUES(1,4194304,4202496,85,0,1);
INSERT INTO vmas VALUES(2,139637976727552,139637976793088,51,0,2);
INSERT INTO vmas VALUES(3,140737488216064,140737488351232,307,0,3);
INSERT INTO vmas VALUES(4,139706696204288,139706696269824,115,16,4);
INSERT INTO vmas VALUES(5,140737488211968,140737488351232,307,0,3);
CREATE TABLE outcomes(
  outcome INTEGER PRIMARY KEY,
  name TEXT NOT NULL);
INSERT INTO outcomes VALUES(0,'minor');
INSERT INTO outcomes VALUES(1,'major');
INSERT INTO outcomes VALUES(2,'sigsegv');
INSERT INTO outcomes VALUES(7,'spurious');
CREATE TABLE raw_faults(
  fault_id INTEGER PRIMARY KEY,
  pid INTEGER NOT NULL,
  icount INTEGER NOT NULL,
  ip INTEGER NOT NULL,
  sp INTEGER NOT NULL,
  address INTEGER NOT NULL,
  error_code INTEGER NOT NULL,
  vma_id INTEGER REFERENCES vmas,
  path_id INTEGER NOT NULL REFERENCES paths,
  vm_fault INTEGER NOT NULL,
  outcome INTEGER NOT NULL REFERENCES outcomes,
  signo INTEGER NOT NULL,
  si_code INTEGER NOT NULL,
  pte_before INTEGER NOT NULL,
  pte_after INTEGER NOT NULL);
INSERT INTO raw_faults VALUES(1099511627777,100,1000,4198400,140737488216064,4198400,20,1,1,4,1,0,0,0,65573);
INSERT INTO raw_faults VALUES(1099511627778,100,2000,4198416,140737488216064,139637976731656,4,2,2,0,0,0,0,0,-9223372036854771163);
INSERT INTO raw_faults VALUES(1099511627779,100,2100,4198432,140737488216064,139637976731664,7,2,3,8,0,0,0,-9223372036854771163,-9223372036854603673);
INSERT INTO raw_faults VALUES(1099511627780,100,2200,4198432,140737488216064,139637976735744,6,2,2,8,0,0,0,0,-9223372036854599577);
INSERT INTO raw_faults VALUES(1099511627781,100,3000,4198448,140737488216064,140737488216320,2,3,2,8,0,0,0,0,-9223372036854595481);
INSERT INTO raw_faults VALUES(1099511627782,101,500,4198464,140737488216064,139637976735752,7,2,3,8,0,0,0,-9223372036854599643,-9223372036854591385);
INSERT INTO raw_faults VALUES(1099511627783,100,3500,4198464,140737488216064,139637976735760,7,2,4,8,0,0,0,-9223372036854599643,-9223372036854599577);
INSERT INTO raw_faults VALUES(1099511627784,101,600,4198480,140737488216064,0,4,NULL,5,0,2,11,1,0,0);
INSERT INTO raw_faults VALUES(1099511627785,100,4000,4198496,140737488216064,-2130706432,5,NULL,6,0,2,11,1,0,0);
INSERT INTO raw_faults VALUES(1099511627786,100,5000,4198512,140737488216064,139706696216576,6,4,7,12,1,0,0,0,-9223372036854587289);
INSERT INTO raw_faults VALUES(1099511627787,100,5100,4198528,140737488216064,139637976739840,4,2,2,0,0,0,0,0,-9223372036854771163);
INSERT INTO raw_faults VALUES(1099511627788,100,6000,4198544,140737488211968,140737488211976,6,5,2,8,0,0,0,0,-9223372036854583193);
INSERT INTO raw_faults VALUES(1099511627789,100,6100,4198432,140737488216064,139637976735744,6,2,8,0,7,0,0,-9223372036854599577,-9223372036854599577);
INSERT INTO raw_faults VALUES(2199023255553,200,0,4198400,140737488216064,139637976731648,4,2,2,0,0,0,0,0,-9223372036854771163);
INSERT INTO raw_faults VALUES(2199023255554,200,0,4198400,140737488216064,4198400,20,1,1,4,1,0,0,0,65573);
CREATE TABLE fault_counts(
  run_id INTEGER NOT NULL,
  pid INTEGER NOT NULL,
  vma_id INTEGER NOT NULL,
  path_id INTEGER NOT NULL,
  outcome INTEGER NOT NULL,
  kind INTEGER NOT NULL,
  n INTEGER NOT NULL,
  first_seq INTEGER NOT NULL,
  last_seq INTEGER NOT NULL,
  PRIMARY KEY(run_id, pid, vma_id, path_id, outcome, kind)) WITHOUT ROWID;
INSERT INTO fault_counts VALUES(1,100,0,6,2,4,1,9,9);
INSERT INTO fault_counts VALUES(1,100,1,1,1,20,1,1,1);
INSERT INTO fault_counts VALUES(1,100,2,2,0,4,2,2,11);
INSERT INTO fault_counts VALUES(1,100,2,2,0,6,1,4,4);
INSERT INTO fault_counts VALUES(1,100,2,3,0,6,1,3,3);
INSERT INTO fault_counts VALUES(1,100,2,4,0,6,1,7,7);
INSERT INTO fault_counts VALUES(1,100,2,8,7,6,1,13,13);
INSERT INTO fault_counts VALUES(1,100,3,2,0,2,1,5,5);
INSERT INTO fault_counts VALUES(1,100,4,7,1,6,1,10,10);
INSERT INTO fault_counts VALUES(1,100,5,2,0,6,1,12,12);
INSERT INTO fault_counts VALUES(1,101,0,5,2,4,1,8,8);
INSERT INTO fault_counts VALUES(1,101,2,3,0,6,1,6,6);
INSERT INTO fault_counts VALUES(2,200,1,1,1,20,1,2,2);
INSERT INTO fault_counts VALUES(2,200,2,2,0,4,1,1,1);
CREATE VIEW faults AS SELECT
  r.fault_id >> 40 AS run_id, r.fault_id & 1099511627775 AS seq, r.fault_id,
  r.pid, r.icount, r.ip, r.sp, r.address, r.address & -4096 AS page, r.error_code,
  CASE WHEN r.error_code & 16 THEN 'exec'
       WHEN r.error_code & 2 THEN 'write' ELSE 'read' END AS access,
  (r.error_code & 4) != 0 AS user, (r.error_code & 1) != 0 AS prot,
  v.vma_start, v.vma_end,
  CASE WHEN v.vma_flags IS NOT NULL THEN CASE WHEN v.vma_flags & 1 THEN 'r' ELSE '-' END || CASE WHEN v.vma_flags & 2 THEN 'w' ELSE '-' END || CASE WHEN v.vma_flags & 4 THEN 'x' ELSE '-' END || CASE WHEN v.vma_flags & 8 THEN 's' ELSE 'p' END END AS vma_perms,
  v.vma_flags, v.vma_pgoff, f.name AS vma_file, p.path, p.handler,
  r.vm_fault, ltrim(CASE WHEN r.vm_fault & 1 THEN '|OOM' ELSE '' END || CASE WHEN r.vm_fault & 2 THEN '|SIGBUS' ELSE '' END || CASE WHEN r.vm_fault & 4 THEN '|MAJOR' ELSE '' END || CASE WHEN r.vm_fault & 8 THEN '|WRITE' ELSE '' END || CASE WHEN r.vm_fault & 16 THEN '|HWPOISON' ELSE '' END || CASE WHEN r.vm_fault & 64 THEN '|SIGSEGV' ELSE '' END || CASE WHEN r.vm_fault & 256 THEN '|NOPAGE' ELSE '' END || CASE WHEN r.vm_fault & 512 THEN '|LOCKED' ELSE '' END || CASE WHEN r.vm_fault & 1024 THEN '|RETRY' ELSE '' END || CASE WHEN r.vm_fault & 2048 THEN '|FALLBACK' ELSE '' END || CASE WHEN r.vm_fault & 4096 THEN '|DONE_COW' ELSE '' END || CASE WHEN r.vm_fault & 8192 THEN '|NEEDDSYNC' ELSE '' END, '|') AS vm_fault_flags,
  o.name AS outcome, r.signo, r.si_code, r.pte_before, r.pte_after,
  CASE WHEN r.pte_before & 1
    THEN (r.pte_before & 4503599627366400) >> 12 END AS pfn_before,
  CASE WHEN r.pte_after & 1
    THEN (r.pte_after & 4503599627366400) >> 12 END AS pfn_after,
  r.vma_id, r.path_id
FROM raw_faults r
  LEFT JOIN paths p ON p.path_id = r.path_id
  LEFT JOIN vmas v ON v.vma_id = r.vma_id
  LEFT JOIN files f ON f.file_id = v.file_id
  LEFT JOIN outcomes o ON o.outcome = r.outcome;
CREATE VIEW fault_log AS SELECT run_id, seq, pid, icount,
  printf('0x%x', ip) AS ip, printf('0x%x', sp) AS sp,
  printf('0x%x', address) AS address, printf('0x%x', page) AS page,
  printf('0x%x', error_code) AS error_code, ltrim(CASE WHEN error_code & 1 THEN '|PROT' ELSE '' END || CASE WHEN error_code & 2 THEN '|WRITE' ELSE '' END || CASE WHEN error_code & 4 THEN '|USER' ELSE '' END || CASE WHEN error_code & 8 THEN '|RSVD' ELSE '' END || CASE WHEN error_code & 16 THEN '|INSTR' ELSE '' END || CASE WHEN error_code & 32 THEN '|PK' ELSE '' END, '|') AS error_flags,
  access, CASE WHEN user THEN 'user' ELSE 'kernel' END AS mode,
  CASE WHEN vma_start IS NOT NULL THEN printf('0x%x', vma_start) END AS vma_start,
  CASE WHEN vma_end IS NOT NULL THEN printf('0x%x', vma_end) END AS vma_end,
  vma_perms,
  CASE WHEN vma_flags IS NOT NULL THEN printf('0x%x', vma_flags) END AS vma_flags,
  vma_pgoff, vma_file, path, handler,
  printf('0x%x', vm_fault) AS vm_fault, vm_fault_flags, outcome, signo, si_code,
  printf('0x%x', pte_before) AS pte_before, printf('0x%x', pte_after) AS pte_after,
  CASE WHEN pfn_before IS NOT NULL THEN printf('0x%x', pfn_before) END AS pfn_before,
  CASE WHEN pfn_after IS NOT NULL THEN printf('0x%x', pfn_after) END AS pfn_after
FROM faults;
CREATE VIEW handler_counts AS SELECT g.run_id, p.handler, o.name AS outcome,
  sum(g.n) AS n,
  round(100.0 * sum(g.n) / sum(sum(g.n)) OVER (PARTITION BY g.run_id), 2) AS pct
FROM fault_counts g JOIN paths p ON p.path_id = g.path_id
  JOIN outcomes o ON o.outcome = g.outcome
GROUP BY g.run_id, p.handler, o.name ORDER BY g.run_id, n DESC, p.handler;
CREATE VIEW path_counts AS SELECT g.run_id, p.path, o.name AS outcome, sum(g.n) AS n,
  round(100.0 * sum(g.n) / sum(sum(g.n)) OVER (PARTITION BY g.run_id), 2) AS pct
FROM fault_counts g JOIN paths p ON p.path_id = g.path_id
  JOIN outcomes o ON o.outcome = g.outcome
GROUP BY g.run_id, p.path, o.name ORDER BY g.run_id, n DESC, p.path;
CREATE VIEW vma_faults AS SELECT g.run_id, g.pid,
  printf('0x%x', min(v.vma_start)) AS vma_start, printf('0x%x', max(v.vma_end)) AS vma_end,
  CASE WHEN v.vma_flags IS NOT NULL THEN CASE WHEN v.vma_flags & 1 THEN 'r' ELSE '-' END || CASE WHEN v.vma_flags & 2 THEN 'w' ELSE '-' END || CASE WHEN v.vma_flags & 4 THEN 'x' ELSE '-' END || CASE WHEN v.vma_flags & 8 THEN 's' ELSE 'p' END END AS vma_perms, f.name AS vma_file, sum(g.n) AS n,
  sum(g.n * (o.name = 'minor')) AS minor, sum(g.n * (o.name = 'major')) AS major,
  sum(g.n * (o.name NOT IN ('minor', 'major', 'spurious'))) AS failed,
  sum(g.n * (g.kind & 18 = 0)) AS reads,
  sum(g.n * (g.kind & 18 = 2)) AS writes,
  sum(g.n * (g.kind & 16 != 0)) AS execs,
  sum(g.n * (instr(p.path, 'do_wp_page') > 0 OR p.handler = 'do_cow_fault')) AS cow,
  min(g.first_seq) AS first_seq, max(g.last_seq) AS last_seq
FROM fault_counts g JOIN vmas v ON v.vma_id = g.vma_id
  LEFT JOIN files f ON f.file_id = v.file_id
  JOIN paths p ON p.path_id = g.path_id JOIN outcomes o ON o.outcome = g.outcome
GROUP BY g.run_id, g.pid, vma_file, vma_perms,
  CASE WHEN v.vma_flags & 256 THEN v.vma_end ELSE v.vma_start END
ORDER BY g.run_id, n DESC;
CREATE VIEW hot_pages AS SELECT g.run_id, g.pid, printf('0x%x', g.page) AS page, g.n,
  g.reads, g.writes, g.execs, g.handlers, f.name AS vma_file, g.first_seq, g.last_seq
FROM (SELECT fault_id >> 40 AS run_id, pid, address & -4096 AS page,
    count(*) AS n, sum(error_code & 18 = 0) AS reads,
    sum(error_code & 18 = 2) AS writes,
    sum(error_code & 16 != 0) AS execs,
    min(fault_id) & 1099511627775 AS first_seq, max(fault_id) & 1099511627775 AS last_seq, group_concat(DISTINCT p.handler) AS handlers,
    max(vma_id) AS vma_id
  FROM raw_faults r JOIN paths p ON p.path_id = r.path_id
  GROUP BY 1, 2, 3 ORDER BY 1, n DESC, 3) g
  LEFT JOIN vmas v ON v.vma_id = g.vma_id LEFT JOIN files f ON f.file_id = v.file_id;
CREATE VIEW hot_instructions AS SELECT g.run_id, g.pid, printf('0x%x', g.ip) AS ip,
  g.n, g.pages, g.reads, g.writes, g.execs, g.handlers, f.name AS vma_file, g.first_seq,
  g.last_seq
FROM (SELECT fault_id >> 40 AS run_id, pid, ip,
    count(DISTINCT address & -4096) AS pages, count(*) AS n, sum(error_code & 18 = 0) AS reads,
    sum(error_code & 18 = 2) AS writes,
    sum(error_code & 16 != 0) AS execs,
    min(fault_id) & 1099511627775 AS first_seq, max(fault_id) & 1099511627775 AS last_seq,
    group_concat(DISTINCT p.handler) AS handlers, max(vma_id) AS vma_id
  FROM raw_faults r JOIN paths p ON p.path_id = r.path_id
  GROUP BY 1, 2, 3 ORDER BY 1, n DESC, 3) g
  LEFT JOIN vmas v ON v.vma_id = g.vma_id LEFT JOIN files f ON f.file_id = v.file_id;
CREATE VIEW cow_faults AS SELECT run_id, seq, pid, icount, printf('0x%x', ip) AS ip,
  printf('0x%x', address) AS address, printf('0x%x', vma_start) AS vma_start,
  printf('0x%x', vma_end) AS vma_end, vma_perms, vma_file, path, handler,
  handler IN ('wp_page_copy', 'do_cow_fault') AS copied,
  (pte_before & 513) = 513 AS from_zero_page, outcome,
  CASE WHEN pfn_before IS NOT NULL THEN printf('0x%x', pfn_before) END AS pfn_before,
  CASE WHEN pfn_after IS NOT NULL THEN printf('0x%x', pfn_after) END AS pfn_after
FROM faults WHERE path_id IN (SELECT path_id FROM paths
    WHERE instr(path, 'do_wp_page') > 0 OR handler = 'do_cow_fault')
  AND vma_flags & 8 = 0;
CREATE VIEW zero_page_reads_later_written AS
WITH ev AS (SELECT fault_id, fault_id >> 40 AS run_id, pid,
    address & -4096 AS page, icount, ip, error_code & 18 = 2
      AS is_write,
    error_code & 2 = 0 AND (pte_after & 513) = 513
      AND path_id IN (SELECT path_id FROM paths WHERE handler = 'do_anonymous_page')
      AS zero_read
  FROM raw_faults),
nx AS (SELECT *, lead(fault_id) OVER w AS next_id, lead(is_write) OVER w AS next_is_write
  FROM ev WHERE zero_read OR is_write
  WINDOW w AS (PARTITION BY run_id, pid, page ORDER BY fault_id))
SELECT nx.run_id, nx.pid, printf('0x%x', nx.page) AS page, nx.fault_id & 1099511627775
  AS read_seq, nx.icount AS read_icount, printf('0x%x', nx.ip) AS read_ip,
  f.seq AS write_seq, f.icount AS write_icount, printf('0x%x', f.ip) AS write_ip,
  f.handler AS write_handler
FROM nx JOIN faults f ON f.fault_id = nx.next_id
WHERE nx.zero_read AND nx.next_is_write
ORDER BY nx.run_id, read_seq;
CREATE VIEW latest_run AS SELECT max(run_id) AS run_id FROM runs;
CREATE VIEW run_summary AS SELECT r.run_id, r.started_at, r.finished_at, r.exe, r.argv,
  CASE WHEN r.status = 'running' THEN 'unfinished' ELSE r.status END AS status,
  r.exit_code, r.term_signal, r.wall_seconds, r.instructions, r.faults,
  coalesce(f.n, 0) AS faults_logged, coalesce(f.minor, 0) AS minor,
  coalesce(f.major, 0) AS major, coalesce(f.signals, 0) AS signals,
  coalesce(f.efault, 0) AS efault, coalesce(f.killed, 0) AS killed,
  coalesce(f.spurious, 0) AS spurious, coalesce(f.user_mode, 0) AS user_mode,
  coalesce(f.kernel_mode, 0) AS kernel_mode,
  (SELECT count(*) FROM processes p WHERE p.run_id = r.run_id) AS processes, r.message
FROM runs r LEFT JOIN (SELECT g.run_id, sum(g.n) AS n, sum(g.n * (o.name = 'minor')) AS minor,
    sum(g.n * (o.name = 'major')) AS major,
    sum(g.n * (o.name IN ('sigsegv', 'sigbus'))) AS signals,
    sum(g.n * (o.name = 'efault')) AS efault, sum(g.n * (o.name IN ('oom', 'kill'))) AS killed,
    sum(g.n * (o.name = 'spurious')) AS spurious,
    sum(g.n * (g.kind & 4 != 0)) AS user_mode,
    sum(g.n * (g.kind & 4 = 0)) AS kernel_mode
  FROM fault_counts g JOIN outcomes o ON o.outcome = g.outcome GROUP BY g.run_id) f
  ON f.run_id = r.run_id
ORDER BY r.run_id;
CREATE VIEW process_summary AS SELECT p.run_id, p.pid, p.ppid, p.exe, p.argv,
  p.exit_code, p.term_signal, p.min_flt, p.maj_flt, coalesce(f.n, 0) AS faults,
  coalesce(f.minor, 0) AS minor, coalesce(f.major, 0) AS major,
  coalesce(f.signals, 0) AS signals, coalesce(f.efault, 0) AS efault,
  coalesce(f.kernel_mode, 0) AS kernel_mode
FROM processes p LEFT JOIN (SELECT g.run_id, g.pid, sum(g.n) AS n, sum(g.n * (o.name = 'minor')) AS minor,
    sum(g.n * (o.name = 'major')) AS major,
    sum(g.n * (o.name IN ('sigsegv', 'sigbus'))) AS signals,
    sum(g.n * (o.name = 'efault')) AS efault, sum(g.n * (o.name IN ('oom', 'kill'))) AS killed,
    sum(g.n * (o.name = 'spurious')) AS spurious,
    sum(g.n * (g.kind & 4 != 0)) AS user_mode,
    sum(g.n * (g.kind & 4 = 0)) AS kernel_mode
  FROM fault_counts g JOIN outcomes o ON o.outcome = g.outcome GROUP BY g.run_id, g.pid) f
  ON f.run_id = p.run_id AND f.pid = p.pid
ORDER BY p.run_id, p.pid;
COMMIT;
