package server

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
)

// GitLab webhooks: one secret per project
//
// With one secret for every project, a maintainer of any project (who sees
// the secret in the webhook's settings) could forge deliveries for every
// other project. So each project's webhook has its own secret, derived
// from the service's webhook secret (TMBOT_GITLAB_WEBHOOK_SECRET), and a
// delivery is accepted only for the project its secret belongs to:
//
//   - the secret token (X-Gitlab-Token) of project P is the lowercase hex
//     of HMAC-SHA256(service secret, P in decimal), 64 characters;
//   - the signing token (Standard Webhooks, webhook-signature) of project
//     P is "whsec_" and the standard, padded base64 of
//     HMAC-SHA256(service secret, "signing-token:" + P in decimal), a
//     32-byte key as GitLab wants it.
//
// `tmbot gitlab-secret P` prints both. The service's own secret (and
// TMBOT_GITLAB_WEBHOOK_SIGNING_KEY, one signing key for every project) is
// accepted only while TMBOT_GITLAB_SHARED_SECRET=allow, for the migration;
// each use is counted in tmbot_gitlab_shared_secret_total.

// GitLabProjectSecret is the secret token of project's webhook: the hex
// HMAC-SHA256, under the service's webhook secret, of the project id in
// decimal.
func GitLabProjectSecret(serviceSecret string, project int64) string {
	m := hmac.New(sha256.New, []byte(serviceSecret))
	m.Write([]byte(strconv.FormatInt(project, 10)))
	return hex.EncodeToString(m.Sum(nil))
}

// GitLabProjectSigningToken is the signing token of project's webhook:
// "whsec_" and the base64 of HMAC-SHA256(service secret, "signing-token:"
// and the project id in decimal).
func GitLabProjectSigningToken(serviceSecret string, project int64) string {
	return "whsec_" + base64.StdEncoding.EncodeToString(gitlabProjectSigningKey(serviceSecret, project))
}

func gitlabProjectSigningKey(serviceSecret string, project int64) []byte {
	m := hmac.New(sha256.New, []byte(serviceSecret))
	m.Write([]byte("signing-token:" + strconv.FormatInt(project, 10)))
	return m.Sum(nil)
}

// gitlabProjectRefs are the project ids a payload names that the handlers
// act on (the same decoder as client-go's, so both read the same values).
type gitlabProjectRefs struct {
	ProjectID int64 `json:"project_id"`
	Project   struct {
		ID int64 `json:"id"`
	} `json:"project"`
	ObjectAttributes struct {
		ProjectID       int64 `json:"project_id"`
		TargetProjectID int64 `json:"target_project_id"`
	} `json:"object_attributes"`
	MergeRequest struct {
		TargetProjectID int64 `json:"target_project_id"`
	} `json:"merge_request"`
}

// gitlabPayloadProject reads the project a payload is about (project.id,
// else project_id), and whether every project id the payload names is that
// one. A payload that does not decode names no project.
func gitlabPayloadProject(body []byte) (project int64, consistent bool) {
	// Only objects: a payload of another JSON type names no project.
	var refs gitlabProjectRefs
	if err := json.Unmarshal(body, &refs); err != nil {
		return 0, false
	}
	project = refs.Project.ID
	if project == 0 {
		project = refs.ProjectID
	}
	if project <= 0 {
		return 0, false
	}
	for _, id := range []int64{refs.ProjectID, refs.ObjectAttributes.ProjectID, refs.ObjectAttributes.TargetProjectID,
		refs.MergeRequest.TargetProjectID} {
		if id != 0 && id != project {
			return project, false
		}
	}
	return project, true
}
