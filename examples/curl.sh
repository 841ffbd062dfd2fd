#!/usr/bin/env bash
# The calls of docs/CLIENTS.md, with curl: ping, create_user, a top-up, a spend with a
# transaction_key (sent twice: the second is replayed, not charged), and a batch.
# Prints each JSON-RPC response on a line of its own.
#
#   examples/curl.sh http://127.0.0.1:8005
#   DBM_TOKEN=secret examples/curl.sh http://127.0.0.1:8005   # when the daemon has a token file
set -euo pipefail

URL="${1:?usage: $0 BASE_URL}/rpc"
AUTH=()
if [[ -n "${DBM_TOKEN:-}" ]]; then
  AUTH=(-H "Authorization: Bearer $DBM_TOKEN")
fi

rpc() {  # rpc JSON → prints the response; fails on any HTTP status but 200 (401: a wrong token)
  curl -sS --fail-with-body -H 'Content-Type: application/json' "${AUTH[@]}" --data "$1" "$URL"
  echo
}

USER_ID="ada-$(date +%s)-$$"
SPEND_KEY="$USER_ID-spend-1"  # one key per spend: a retry with it never charges twice

rpc '{"jsonrpc": "2.0", "method": "ping", "id": 1}'
rpc '{"jsonrpc": "2.0", "method": "create_user", "id": 2,
      "params": {"email": "'"$USER_ID"'@example.com", "user_id": "'"$USER_ID"'", "name": "Ada"}}'
rpc '{"jsonrpc": "2.0", "method": "top_up_credits", "id": 3,
      "params": {"user_id": "'"$USER_ID"'", "amount": 100, "transaction_key": "'"$USER_ID"'-top-up-1"}}'
for attempt in 1 2; do  # the second attempt stands for a retry after a lost answer
  rpc '{"jsonrpc": "2.0", "method": "spend_credits", "id": 4,
        "params": {"user_id": "'"$USER_ID"'", "cost": 5, "metadata": {"reason": "example"},
                   "transaction_key": "'"$SPEND_KEY"'"}}'
done
rpc '[{"jsonrpc": "2.0", "method": "get_credits", "params": ["'"$USER_ID"'"], "id": 10},
      {"jsonrpc": "2.0", "method": "get_transaction_history", "params": {"user_id": "'"$USER_ID"'", "limit": 5}, "id": 11},
      {"jsonrpc": "2.0", "method": "get_user_by_id", "params": ["nobody"], "id": 12}]'
