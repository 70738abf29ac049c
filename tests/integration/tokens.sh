#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Client admission by tokens (docs/clients.md) on two rumor-dataplane
# nodes with client_auth = token and kernel clients (the rumor command):
#
# 1. a node whose file sets neither client_auth nor token_pub refuses to
#    start and says what to choose;
# 2. with a token allowing sub,pub on chat.*, a subscriber on node 1 gets
#    every message a publisher on node 2 sends, each through the cookie
#    round trip and a session;
# 3. without a token, a client's SUBSCRIBE and PUBLISH are dropped and
#    counted, and nothing is answered;
# 4. a channel the token does not allow: SUBSCRIBE refused with status
#    "not allowed by token", PUBLISH dropped and counted;
# 5. a token signed by another key: refused ("token refused").
. "$(dirname "$0")/../../scripts/lab.sh"

lab_init tok
lab_need "$RUMOR"
lab_need "$RUMORCTL"
COUNT=50

"$RUMORCTL" token keygen --dir "$LAB_DIR" >/dev/null
mkdir "$LAB_DIR/other"
"$RUMORCTL" token keygen --dir "$LAB_DIR/other" >/dev/null
issue() { "$RUMORCTL" token issue --key "$1" --client "$2" --ttl 3600 \
	"${@:3}"; }
issue "$LAB_DIR/token.key" 7 --allow 'sub,pub:chat.*' \
	--allow 'sub:secret' >"$LAB_DIR/good.tok"
issue "$LAB_DIR/other/token.key" 7 --allow 'sub,pub:*' >"$LAB_DIR/forged.tok"

conf() {
	cat <<EOF
node_id = $1
address = 10.77.0.$1
control_socket = $LAB_DIR/n$1.ctl
member = 1 10.77.0.1
member = 2 10.77.0.2
EOF
}

say "1. no client_auth and no token_pub: the node refuses to start"
conf 1 >"$LAB_DIR/n1.conf"
lab_port 1
lab_port 2
lab_eal 1
rc=0
ip netns exec "$LAB-n1" "$DP" "${LAB_EAL[@]}" -- -c "$LAB_DIR/n1.conf" \
	>"$LAB_DIR/refused.log" 2>&1 || rc=$?
[ $rc != 0 ] || die "a node without client_auth started"
grep -q "client_auth = none" "$LAB_DIR/refused.log" ||
	{ cat "$LAB_DIR/refused.log"; die "no clear error"; }
echo "ok: refused: $(grep -o 'client admission not configured[^(]*' \
	"$LAB_DIR/refused.log" | head -n 1)"

for n in 1 2; do
	{ conf $n; echo "token_pub = $LAB_DIR/token.pub"; } >"$LAB_DIR/n$n.conf"
	lab_node $n "$LAB_DIR/n$n.conf"
done

say "2. with a token: publish on node 2, subscribe on node 1"
lab_sub s1 1 --token "@$LAB_DIR/good.tok" --count $COUNT --timeout 20 \
	chat.room
lab_wait_subscribed s1 1
"${NS[@]}" "$RUMOR" pub --node 10.77.0.2:7946 --token "@$LAB_DIR/good.tok" \
	--count $COUNT --rate 500 chat.room hello >/dev/null ||
	die "rumor pub failed"
lab_sub_stop s1
got=$(grep -c '^chat.room ' "$LAB_DIR/s1.out" || true)
expect_eq "messages received with a token" "$got" "$COUNT"
opened=$(($(lab_stat 1 session_opened) + $(lab_stat 2 session_opened)))
cookies=$(($(lab_stat 1 cookie_sent) + $(lab_stat 2 cookie_sent)))
[ "$opened" -ge 2 ] || die "sessions opened: $opened"
[ "$cookies" -ge 2 ] || die "cookies sent: $cookies"
echo "ok: sessions opened $opened, cookies sent $cookies," \
	"admitted $(($(lab_stat 1 client_admitted) + \
	$(lab_stat 2 client_admitted)))"

say "3. without a token: dropped and counted, no answer"
before=$(lab_stat 1 drop_client_no_auth)
rc=0
"${NS[@]}" "$RUMOR" sub --node 10.77.0.1:7946 --timeout 4 chat.room \
	>/dev/null 2>"$LAB_DIR/notoken.err" || rc=$?
[ $rc != 0 ] || die "a subscriber without a token was answered"
"${NS[@]}" "$RUMOR" pub --node 10.77.0.1:7946 --count 10 chat.room x \
	>/dev/null || true
after=$(lab_stat 1 drop_client_no_auth)
[ $((after - before)) -ge 11 ] ||
	die "drop_client_no_auth went from $before to $after"
echo "ok: drop_client_no_auth +$((after - before))"

say "4. a channel the token does not allow"
rc=0
"${NS[@]}" "$RUMOR" sub --node 10.77.0.1:7946 --token "@$LAB_DIR/good.tok" \
	--timeout 4 other.room >/dev/null 2>"$LAB_DIR/notallowed.err" || rc=$?
grep -q "not allowed by token" "$LAB_DIR/notallowed.err" ||
	{ cat "$LAB_DIR/notallowed.err"; die "no refusal by token"; }
echo "ok: $(grep -o 'refused.*' "$LAB_DIR/notallowed.err" | head -n 1)"
before=$(lab_stat 2 drop_client_pub_refused)
"${NS[@]}" "$RUMOR" pub --node 10.77.0.2:7946 --token "@$LAB_DIR/good.tok" \
	--count 5 secret x >/dev/null || die "rumor pub failed"
after=$(lab_stat 2 drop_client_pub_refused)
expect_eq "PUBLISH not allowed, dropped" $((after - before)) 5

say "5. a token of another key: refused"
rc=0
"${NS[@]}" "$RUMOR" sub --node 10.77.0.1:7946 \
	--token "@$LAB_DIR/forged.tok" --timeout 4 chat.room \
	>/dev/null 2>"$LAB_DIR/forged.err" || rc=$?
grep -q "token refused" "$LAB_DIR/forged.err" ||
	{ cat "$LAB_DIR/forged.err"; die "a forged token was not refused"; }
echo "ok: forged token refused, token_refused $(lab_stat 1 token_refused)"

echo "tokens: PASS"
