# Shared by the benchmark scripts (sourced; defines functions only, no side effects). Needs $python, a Python 3
# with the standard library.

# CPU ticks (utime+stime) of process $1 and its living descendants, plus those of its descendants that have exited
# (PostgreSQL's backends: reaped by the postmaster, their time is in its cutime+cstime).
tree_ticks() {
  "$python" - "$1" <<'EOF'
import os, sys
root = int(sys.argv[1]); parent = {}; cpu = {}
for p in os.listdir("/proc"):
    if not p.isdigit(): continue
    try: st = open(f"/proc/{p}/stat").read()
    except OSError: continue
    rest = st[st.rindex(")") + 2:].split()
    parent[int(p)] = int(rest[1]); cpu[int(p)] = int(rest[11]) + int(rest[12])
    if int(p) == root: cpu[int(p)] += int(rest[13]) + int(rest[14])
def under(p):
    while p > 1:
        if p == root: return True
        p = parent.get(p, 0)
    return False
print(sum(c for p, c in cpu.items() if under(p)))
EOF
}
