"""Generate sqllogictest records from a list of queries.

    python3 tests/slt/gen_slt.py tests/slt/functions.src GUOCEDB_PORT MARIADB_PORT > tests/slt/functions.test

Each query runs on guocedb and on MariaDB; a record is written (with
guocedb's values and column types) when both agree. A line starting with `!`
is MySQL 8 behaviour MariaDB lacks: written under `skipif mariadb` without
comparing. `error CODE [mysql] SQL` writes a `statement error CODE` record.
Lines starting with `#` and blank lines are copied."""
import sys, pymysql, pymysql.converters
from pymysql.constants import FIELD_TYPE as F
INT = {F.TINY, F.SHORT, F.LONG, F.LONGLONG, F.INT24, F.YEAR}
REAL = {F.DECIMAL, F.NEWDECIMAL, F.FLOAT, F.DOUBLE}
def conn(port):
    conv = pymysql.converters.conversions.copy()
    for t in (F.TIME, F.DATE, F.DATETIME, F.TIMESTAMP):
        conv[t] = str
    c = pymysql.connect(host='127.0.0.1', port=port, user='root', autocommit=True, conv=conv)
    return c
def run(c, sql):
    with c.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall()
        types = ''.join('I' if d[1] in INT else 'R' if d[1] in REAL else 'T' for d in cur.description)
        return types, rows
def fmt(v, t):
    if v is None: return 'NULL'
    if isinstance(v, (bytes, bytearray)): v = v.decode('utf-8', 'replace')
    if t == 'R': return '%.3f' % float(v)
    if t == 'I': return '%d' % int(v)
    s = str(v)
    return '(empty)' if s == '' else s
ours, theirs = conn(int(sys.argv[2])), conn(int(sys.argv[3]))
out = []
for line in open(sys.argv[1]):
    line = line.rstrip('\n')
    if not line.strip() or line.startswith('#'):
        out.append(line); continue
    if line.startswith('error '):
        _, code, rest = line.split(' ', 2)
        if rest.startswith('mysql '):
            out.append('skipif mariadb')
            rest = rest[len('mysql '):]
        out += ['statement error ' + code, rest, '']
        continue
    mysql_only = line.startswith('!')
    sql = line.lstrip('!').strip()
    t1, r1 = run(ours, sql)
    try:
        t2, r2 = run(theirs, sql)
    except Exception as e:
        t2, r2 = None, str(e)
    v1 = [fmt(v, t1[i]) for row in r1 for i, v in enumerate(row)]
    v2 = [fmt(v, t2[i]) for row in r2 for i, v in enumerate(row)] if t2 else None
    if not mysql_only and (v1 != v2):
        print('MISMATCH:', sql, v1, v2, t1, t2, file=sys.stderr)
        continue
    if mysql_only:
        out.append('skipif mariadb')
    out.append('query ' + t1)
    out.append(sql)
    out.append('----')
    out.extend(v1)
    out.append('')
print('\n'.join(out))
