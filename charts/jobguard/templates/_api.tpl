{{- /*
Whether the server talks to the API server at all: to read namespace labels, to read
JobguardExceptions (and write their status), or to write Events. Without any of them the pod gets
no API token.
*/ -}}
{{- define "jobguard.apiAccess" -}}
{{- or .Values.policy.namespaceLabels.enabled .Values.policy.exceptions.enabled (ne .Values.events.mode "off") -}}
{{- end }}
