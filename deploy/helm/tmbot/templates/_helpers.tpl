{{/* The chart's name. */}}
{{- define "tmbot.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: object names start with it (63 characters at most). */}}
{{- define "tmbot.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "tmbot.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "tmbot.labels" -}}
helm.sh/chart: {{ include "tmbot.chart" . }}
{{ include "tmbot.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | trunc 63 | trimSuffix "-" | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* Labels that select the pods (never change them: selectors are immutable). */}}
{{- define "tmbot.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tmbot.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tmbot.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tmbot.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tmbot.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}

{{/* The Secret holding the forge credentials and the dashboard token. */}}
{{- define "tmbot.secretName" -}}
{{- default (include "tmbot.fullname" .) .Values.existingSecret -}}
{{- end -}}

{{/* "true" when the database is PostgreSQL, "" for SQLite. */}}
{{- define "tmbot.postgres" -}}
{{- if or .Values.database.url .Values.database.existingSecret -}}true{{- end -}}
{{- end -}}

{{/* The Secret and key holding the PostgreSQL URL. */}}
{{- define "tmbot.databaseSecretName" -}}
{{- default (printf "%s-database" (include "tmbot.fullname" .)) .Values.database.existingSecret -}}
{{- end -}}
{{- define "tmbot.databaseSecretKey" -}}
{{- if .Values.database.existingSecret -}}{{ .Values.database.existingSecretKey }}{{- else -}}database-url{{- end -}}
{{- end -}}

{{/* Whether the chart creates the credentials Secret: it has something to hold. */}}
{{- define "tmbot.createSecret" -}}
{{- if and (not .Values.existingSecret) (or .Values.github.appId .Values.gitlab.url .Values.dashboard.token) -}}true{{- end -}}
{{- end -}}

{{/* The App ID as digits (a YAML number reaches templates as a float). */}}
{{- define "tmbot.githubAppId" -}}
{{- if kindIs "string" .Values.github.appId -}}{{ .Values.github.appId }}{{- else -}}{{ .Values.github.appId | int64 }}{{- end -}}
{{- end -}}

{{/* Refuses values that cannot work, with what to change. */}}
{{- define "tmbot.validate" -}}
{{- $url := .Values.database.url -}}
{{- if and $url (not (or (hasPrefix "postgres://" $url) (hasPrefix "postgresql://" $url))) -}}
{{- fail "database.url must be a PostgreSQL URL (postgres://USER:PASSWORD@HOST:5432/DB); leave it empty for SQLite on the persistent volume" -}}
{{- end -}}
{{- if and (gt (int .Values.replicaCount) 1) (not (include "tmbot.postgres" .)) -}}
{{- fail (printf "replicaCount is %d but the database is SQLite, which serves one replica: set database.url to a postgres:// URL (or database.existingSecret), or set replicaCount to 1" (int .Values.replicaCount)) -}}
{{- end -}}
{{- if not .Values.existingSecret -}}
{{- if .Values.github.appId -}}
{{- $_ := required "github.privateKey is required when github.appId is set (or set existingSecret to a Secret with the key github-private-key)" .Values.github.privateKey -}}
{{- $_ := required "github.webhookSecret is required when github.appId is set (or set existingSecret to a Secret with the key github-webhook-secret)" .Values.github.webhookSecret -}}
{{- end -}}
{{- if .Values.gitlab.url -}}
{{- $_ := required "gitlab.token is required when gitlab.url is set (or set existingSecret to a Secret with the key gitlab-token)" .Values.gitlab.token -}}
{{- $_ := required "gitlab.webhookSecret is required when gitlab.url is set (or set existingSecret to a Secret with the key gitlab-webhook-secret)" .Values.gitlab.webhookSecret -}}
{{- end -}}
{{- end -}}
{{- end -}}
