{{/* The chart's name, or nameOverride. */}}
{{- define "fleetdeck.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The release's full name: fullnameOverride, else release-chart (just the release when it already contains the chart's name). */}}
{{- define "fleetdeck.fullname" -}}
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

{{- define "fleetdeck.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "fleetdeck.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "fleetdeck.selectorLabels" -}}
app.kubernetes.io/name: {{ include "fleetdeck.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "fleetdeck.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "fleetdeck.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret holding secret-key, admin-password and auth-tokens: the user's or the chart's. */}}
{{- define "fleetdeck.secretName" -}}
{{- default (include "fleetdeck.fullname" .) .Values.existingSecret }}
{{- end }}

{{/* Whether the store is SQLite on /data (no Postgres URL given). */}}
{{- define "fleetdeck.sqlite" -}}
{{- if not (or .Values.database.url .Values.database.existingSecret) }}true{{ end }}
{{- end }}

{{/* Whether the server reads bootstrap tokens from the Secret. */}}
{{- define "fleetdeck.authTokens" -}}
{{- if or .Values.bootstrapTokens (and .Values.existingSecret .Values.bootstrapTokensFromExistingSecret) }}true{{ end }}
{{- end }}

{{/* Whether OIDC client secrets are mounted, and from which Secret. */}}
{{- define "fleetdeck.oidcSecretName" -}}
{{- if .Values.oidc.existingSecret }}
{{- .Values.oidc.existingSecret }}
{{- else if .Values.oidc.clientSecrets }}
{{- printf "%s-oidc" (include "fleetdeck.fullname" .) }}
{{- end }}
{{- end }}

{{/* The lease the replicas elect a leader with (FLEETDECK_LEASE_NAME). */}}
{{- define "fleetdeck.leaseName" -}}
{{- printf "%s-leader" (include "fleetdeck.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The OIDC providers file: each provider without its own secret source reads the mounted key named by its id. */}}
{{- define "fleetdeck.oidcConfig" -}}
{{- $providers := list }}
{{- range .Values.oidc.providers }}
{{- $provider := deepCopy . }}
{{- if not (or $provider.clientSecretFile $provider.clientSecretEnv) }}
{{- $_ := set $provider "clientSecretFile" (printf "/etc/fleetdeck/oidc/%s" $provider.id) }}
{{- end }}
{{- $providers = append $providers $provider }}
{{- end }}
{{- toYaml (dict "providers" $providers) }}
{{- end }}

{{/* Combinations the server cannot run with, refused with a message saying what to change. */}}
{{- define "fleetdeck.validate" -}}
{{- if and (include "fleetdeck.sqlite" .) (gt (int .Values.replicaCount) 1) }}
{{- fail "replicaCount > 1 needs an external Postgres database (database.url or database.existingSecret): SQLite is one file on one volume, for one replica" }}
{{- end }}
{{- if and .Values.oidc.providers (not .Values.publicUrl) }}
{{- fail "oidc.providers needs publicUrl: the URL users reach Fleetdeck at, whose /api/auth/callback is the redirect URI registered with each provider" }}
{{- end }}
{{- if and .Values.stripe.existingSecret (not .Values.publicUrl) }}
{{- fail "stripe.existingSecret needs publicUrl: where Stripe Checkout sends payers back, and whose /api/stripe/webhook Stripe calls" }}
{{- end }}
{{- if and .Values.bootstrapTokensFromExistingSecret (not .Values.existingSecret) }}
{{- fail "bootstrapTokensFromExistingSecret needs existingSecret: the Secret whose auth-tokens key holds the tokens" }}
{{- end }}
{{- range .Values.oidc.providers }}
{{- if and (not (or .clientSecretFile .clientSecretEnv)) (not (include "fleetdeck.oidcSecretName" $)) }}
{{- fail (printf "oidc provider %q has no client secret: set oidc.clientSecrets.%s, oidc.existingSecret, or its clientSecretFile/clientSecretEnv" .id .id) }}
{{- end }}
{{- end }}
{{- end }}

{{/* Bootstrap tokens as FLEETDECK_AUTH_TOKENS_FILE reads them: one name:role:token a line. */}}
{{- define "fleetdeck.authTokenLines" -}}
{{- range . }}{{ printf "%s:%s:%s\n" .name .role .token }}{{ end }}
{{- end }}
