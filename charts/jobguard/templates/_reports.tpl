{{/*
Labels of the report watcher (`reports.enabled`): the chart's labels with its own component, so
the webhook's Service and PodDisruptionBudget never select its pod.
*/}}
{{- define "jobguard.reportsSelectorLabels" -}}
app.kubernetes.io/name: {{ include "jobguard.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: reports
{{- end }}

{{- define "jobguard.reportsLabels" -}}
helm.sh/chart: {{ include "jobguard.chart" . }}
{{ include "jobguard.reportsSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "jobguard.reportsName" -}}
{{- printf "%s-reports" (include "jobguard.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- /* The fields of a core/v1 ObjectReference, as the report CRDs describe them. */ -}}
{{- define "jobguard.objectReferenceFields" -}}
apiVersion: { type: string }
kind: { type: string }
namespace: { type: string }
name: { type: string }
uid: { type: string }
resourceVersion: { type: string }
fieldPath: { type: string }
{{- end }}
