{{/*
Chart name, truncated to the 63 characters a label value allows.
*/}}
{{- define "jobguard.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name used as the prefix of every object name.
*/}}
{{- define "jobguard.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "jobguard.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "jobguard.selectorLabels" -}}
app.kubernetes.io/name: {{ include "jobguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: webhook
{{- end }}

{{- define "jobguard.labels" -}}
helm.sh/chart: {{ include "jobguard.chart" . }}
{{ include "jobguard.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/*
metadata.annotations for an object: commonAnnotations merged with the
object's own (passed as the second list element). Renders nothing when both
are empty.
*/}}
{{- define "jobguard.annotations" -}}
{{- $root := index . 0 }}
{{- $own := index . 1 | default dict }}
{{- $all := merge (deepCopy $own) (deepCopy ($root.Values.commonAnnotations | default dict)) }}
{{- with $all }}
annotations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}

{{- define "jobguard.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "jobguard.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "jobguard.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag }}
{{- if .Values.image.digest }}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
Name of the Secret holding tls.crt and tls.key for the server.
*/}}
{{- define "jobguard.tlsSecretName" -}}
{{- if .Values.tls.existingSecret }}
{{- .Values.tls.existingSecret }}
{{- else }}
{{- printf "%s-tls" (include "jobguard.fullname" .) }}
{{- end }}
{{- end }}

{{/*
The DNS names the serving certificate must carry: the API server dials
<svc>.<ns>.svc and checks the SAN (CN-only certificates are rejected).
*/}}
{{- define "jobguard.dnsNames" -}}
{{- $svc := include "jobguard.fullname" . }}
{{- $ns := .Release.Namespace }}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) | toJson }}
{{- end }}

{{/*
failurePolicy: the explicit value, else Fail in enforce mode and Ignore
otherwise.
*/}}
{{- define "jobguard.failurePolicy" -}}
{{- if .Values.webhook.failurePolicy }}
{{- .Values.webhook.failurePolicy }}
{{- else if eq .Values.policy.mode "enforce" }}
{{- "Fail" }}
{{- else }}
{{- "Ignore" }}
{{- end }}
{{- end }}

{{/*
Admission rules for the kinds the policy scores, so the webhook and the
policy never disagree about what is checked.
*/}}
{{- define "jobguard.webhookRules" -}}
{{- $resources := dict
  "CronJob" (list "batch" "cronjobs")
  "Job" (list "batch" "jobs")
  "Pod" (list "" "pods")
  "Deployment" (list "apps" "deployments")
  "ReplicaSet" (list "apps" "replicasets")
  "StatefulSet" (list "apps" "statefulsets")
  "DaemonSet" (list "apps" "daemonsets")
  "ReplicationController" (list "" "replicationcontrollers")
  "PodTemplate" (list "" "podtemplates") }}
{{- $byGroup := dict }}
{{- range .Values.policy.kinds }}
{{- $r := index $resources . }}
{{- $group := index $r 0 }}
{{- $_ := set $byGroup $group (append (get $byGroup $group | default list) (index $r 1) | uniq) }}
{{- end }}
{{- range $group := keys $byGroup | sortAlpha }}
- apiGroups: [{{ $group | quote }}]
  apiVersions: ["v1"]
  resources: {{ get $byGroup $group | sortAlpha | toJson }}
  operations: ["CREATE", "UPDATE"]
  scope: Namespaced
{{- end }}
{{- end }}

{{/*
The V8 old-generation limit in MiB (node --max-old-space-size). Left to itself V8 sizes the heap
from the machine (or the cgroup), not from the container's limit, and lets garbage pile up far past
what the process needs: under load the server would cross the memory limit and be OOM-killed.
heap.maxOldSpaceMiB wins when set; otherwise the memory limit less 128 MiB (code, TLS and socket
buffers, the young generation), and never below 64.
*/}}
{{- define "jobguard.maxOldSpaceMiB" -}}
{{- if .Values.heap.maxOldSpaceMiB -}}
{{- .Values.heap.maxOldSpaceMiB | int -}}
{{- else -}}
{{- $raw := .Values.resources.limits.memory -}}
{{- $limit := toString $raw -}}
{{- if or (kindIs "float64" $raw) (kindIs "int" $raw) (kindIs "int64" $raw) -}}
{{- $limit = printf "%.0f" (float64 $raw) -}}
{{- end -}}
{{- $match := regexFindAll "^([0-9]+(?:\\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$" $limit -1 -}}
{{- if not $match -}}
{{- fail (printf "resources.limits.memory %q is not a memory quantity this chart can size the heap from (e.g. 256Mi, 1Gi, 512M, 268435456); set heap.maxOldSpaceMiB" $limit) -}}
{{- end -}}
{{- $number := regexReplaceAll "(Ki|Mi|Gi|Ti|k|M|G|T)$" $limit "" -}}
{{- $suffix := trimPrefix $number $limit -}}
{{- $bytesPer := dict "" 1.0 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 -}}
{{- $mib := divf (mulf (float64 $number) (get $bytesPer $suffix)) 1048576.0 | floor | int -}}
{{- max 64 (sub $mib 128) -}}
{{- end -}}
{{- end }}

{{/*
Sources admitted to the webhook port, as a JSON list of NetworkPolicyPeers: networkPolicy.webhookFrom
when set; otherwise, with networkPolicy.apiServerFromEndpoints, one ipBlock per address of the
default/kubernetes Endpoints (the API server's own addresses, looked up at install; empty under
`helm template`, which cannot look up); otherwise none, which the NetworkPolicy renders as "any
source on this port only".
*/}}
{{- define "jobguard.webhookFrom" -}}
{{- $from := list }}
{{- if .Values.networkPolicy.webhookFrom }}
{{- $from = .Values.networkPolicy.webhookFrom }}
{{- else if .Values.networkPolicy.apiServerFromEndpoints }}
{{- $endpoints := lookup "v1" "Endpoints" "default" "kubernetes" | default dict }}
{{- range $subset := dig "subsets" list $endpoints }}
{{- range $address := $subset.addresses | default list }}
{{- $bits := ternary "128" "32" (contains ":" $address.ip) }}
{{- $from = append $from (dict "ipBlock" (dict "cidr" (printf "%s/%s" $address.ip $bits))) }}
{{- end }}
{{- end }}
{{- end }}
{{- $from | uniq | toJson }}
{{- end }}
