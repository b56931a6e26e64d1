package stsfake

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// The admin endpoints let a script in another process drive the fake:
//
//	GET  /_fake/calls                 {"AssumeRole":0,...,"total":N}: calls by action
//	GET  /_fake/calls?action=NAME     the count of one action, as a bare number
//	GET  /_fake/requests              every request as JSON: [{"Action":...,"Form":{...},...}]
//	GET  /_fake/issued                every credential issued, as JSON
//	POST /_fake/reset                 forget the recorded requests
//	POST /_fake/users                 AccessKeyId=&SecretAccessKey=&Name=: add a long-term key
//	POST /_fake/mfa                   Code=: the one MFA code accepted ("" = any six digits)
//	POST /_fake/fail                  Count=&Action=&Code=[&Message=&Status=]: script errors
//	POST /_fake/revoke                AccessKeyId=: InvalidClientTokenId from now on
//	POST /_fake/expire                AccessKeyId=: ExpiredToken from now on
//	POST /_fake/deny-role             RoleArn=: AccessDenied on AssumeRole
//	POST /_fake/accept-unknown        Accept=true|false
//
// Form values are sent as an ordinary form POST (curl -d).
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	get := r.Method == http.MethodGet
	post := r.Method == http.MethodPost
	switch {
	case get && r.URL.Path == "/_fake/calls":
		if a := r.Form.Get("action"); a != "" {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(strconv.Itoa(s.Calls(a)) + "\n"))
			return
		}
		s.mu.Lock()
		m := s.countsLocked()
		s.mu.Unlock()
		out := map[string]int{
			ActionGetSessionToken: 0, ActionAssumeRole: 0,
			ActionAssumeRoleWithWebIdentity: 0, ActionGetCallerIdentity: 0,
		}
		total := 0
		for _, k := range sortedKeys(m) {
			out[k] = m[k]
			total += m[k]
		}
		out["total"] = total
		writeJSON(w, out)
	case get && r.URL.Path == "/_fake/requests":
		writeJSON(w, s.Requests())
	case get && r.URL.Path == "/_fake/issued":
		writeJSON(w, s.Issued())
	case post && r.URL.Path == "/_fake/reset":
		s.ResetCalls()
	case post && r.URL.Path == "/_fake/users":
		id, name := r.Form.Get("AccessKeyId"), r.Form.Get("Name")
		if id == "" || name == "" {
			http.Error(w, "AccessKeyId and Name are required", http.StatusBadRequest)
			return
		}
		_, _ = w.Write([]byte(s.AddUser(id, r.Form.Get("SecretAccessKey"), name) + "\n"))
	case post && r.URL.Path == "/_fake/mfa":
		s.SetMFACode(r.Form.Get("Code"))
	case post && r.URL.Path == "/_fake/fail":
		n, err := strconv.Atoi(r.Form.Get("Count"))
		if err != nil || n < 1 {
			http.Error(w, "Count must be a positive number", http.StatusBadRequest)
			return
		}
		e, ok := presetError(r.Form.Get("Code"))
		if !ok {
			e = Error{Status: 400, Type: "Sender", Code: r.Form.Get("Code")}
		}
		if m := r.Form.Get("Message"); m != "" {
			e.Message = m
		}
		if st := r.Form.Get("Status"); st != "" {
			if e.Status, err = strconv.Atoi(st); err != nil {
				http.Error(w, "bad Status", http.StatusBadRequest)
				return
			}
		}
		if e.Code == "" {
			http.Error(w, "Code is required", http.StatusBadRequest)
			return
		}
		s.FailNext(n, r.Form.Get("Action"), e)
	case post && r.URL.Path == "/_fake/revoke":
		s.Revoke(r.Form.Get("AccessKeyId"))
	case post && r.URL.Path == "/_fake/expire":
		s.Expire(r.Form.Get("AccessKeyId"))
	case post && r.URL.Path == "/_fake/deny-role":
		s.DenyRole(r.Form.Get("RoleArn"))
	case post && r.URL.Path == "/_fake/accept-unknown":
		s.AcceptUnknownKeys(r.Form.Get("Accept") == "true")
	default:
		http.NotFound(w, r)
	}
}

// presetError returns the canned answer for an STS error code.
func presetError(code string) (Error, bool) {
	switch code {
	case "Throttling":
		return Throttling(), true
	case "ExpiredToken":
		return ExpiredToken(), true
	case "InvalidClientTokenId":
		return InvalidClientTokenID(), true
	case "RegionDisabledException":
		return RegionDisabled(), true
	case "AccessDenied":
		return AccessDenied("User is not authorized to perform this action"), true
	case "MFAFailed":
		return MFAFailed(), true
	case "InternalFailure":
		return InternalFailure(), true
	}
	return Error{}, false
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
