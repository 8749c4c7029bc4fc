package web

import (
	"fmt"
	"html/template"
	"strconv"
	"strings"
	"time"

	"github.com/airtight/airtight/inventory"
)

// funcs are the template functions.
func (h *Handler) funcs() template.FuncMap {
	return template.FuncMap{
		"asset":       h.assets.url,
		"num":         num,
		"pct":         pct,
		"kindName":    func(k inventory.Kind) string { return k.DisplayName() },
		"critLabel":   critLabel,
		"critHelp":    critHelp,
		"statusLabel": statusLabel,
		"ago":         h.ago,
		"datetime":    datetime,
		"dash":        dash,
		"initials":    initials,
		"add":         func(a, b int) int { return a + b },
		"dict":        dict,
		"deref": func(t *time.Time) time.Time {
			if t == nil {
				return time.Time{}
			}
			return *t
		},
		"short":               func(s string) string { return shorten(s, 13) },
		"sevLabel":            sevLabel,
		"sevClass":            sevClass,
		"alertStatusLabel":    alertStatusLabel,
		"incidentStatusLabel": incidentStatusLabel,
		"channelLabel":        channelLabel,
		"actionLabel":         actionLabel,
		"typeLabel":           typeLabel,
		"quarantineLabel":     quarantineLabel,
		"bytes":               byteSize,
		"sourceLabel":         sourceLabel,
		"until":               h.until,
		"isoTime":             isoTime,
		"caKindLabel":         caKindLabel,
		"noExpiry":            noExpiry,
		"date":                func(t time.Time) string { return t.UTC().Format("2 Jan 2006") },
	}
}

// num formats n with thousands separators: 12,345.
func num(n int) string {
	s := strconv.Itoa(n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// pct formats part of total as a whole percentage; "<1%" for small parts.
func pct(part, total int) string {
	if total == 0 {
		return "0%"
	}
	p := float64(part) * 100 / float64(total)
	if p > 0 && p < 1 {
		return "<1%"
	}
	return fmt.Sprintf("%.0f%%", p)
}

var critLabels = map[inventory.Criticality]string{
	inventory.LifeSustaining: "Life-sustaining",
	inventory.LifeSupporting: "Life-supporting",
	inventory.Diagnostic:     "Diagnostic",
	inventory.Administrative: "Administrative",
}

func critLabel(c inventory.Criticality) string {
	if l, ok := critLabels[c]; ok {
		return l
	}
	if c == "" {
		return "Unknown"
	}
	return string(c)
}

var critHelps = map[inventory.Criticality]string{
	inventory.LifeSustaining: "A failure or a compromise can directly harm or kill a patient (ventilators, infusion pumps, anesthesia machines). Patch and isolate these first, and plan any change with the clinical team.",
	inventory.LifeSupporting: "Supports therapy or monitoring (patient monitors, telemetry). An outage delays care; clinical staff must have a fallback before it is taken offline.",
	inventory.Diagnostic:     "Produces diagnoses (imaging, laboratory). A compromise can alter results or leak patient data; an outage delays diagnoses.",
	inventory.Administrative: "Supports operations rather than patients (workstations, printers, servers). Usually the easiest to patch, and often the way attackers get in.",
}

func critHelp(c inventory.Criticality) string {
	if h, ok := critHelps[c]; ok {
		return h
	}
	return "The patient-safety criticality of this device's model is not recorded."
}

var statusLabels = map[inventory.Status]string{
	inventory.StatusActive:         "Active",
	inventory.StatusMaintenance:    "Maintenance",
	inventory.StatusQuarantined:    "Quarantined",
	inventory.StatusDecommissioned: "Decommissioned",
}

func statusLabel(s inventory.Status) string {
	if l, ok := statusLabels[s]; ok {
		return l
	}
	return string(s)
}

// ago formats t relative to now ("5 min ago"); "Never" for the zero time.
func (h *Handler) ago(t time.Time) string {
	if t.IsZero() {
		return "Never"
	}
	d := h.now().Sub(t)
	switch {
	case d < 0:
		return datetime(t)
	case d < time.Minute:
		return "Just now"
	case d < time.Hour:
		return fmt.Sprintf("%d min ago", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%d h ago", int(d/time.Hour))
	case d < 60*24*time.Hour:
		return fmt.Sprintf("%d days ago", int(d/(24*time.Hour)))
	}
	return t.UTC().Format("2 Jan 2006")
}

// datetime formats t in UTC, unambiguously for an international audience.
func datetime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.UTC().Format("2 Jan 2006 15:04 UTC")
}

// dash returns s, or an em dash for an empty value.
func dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// initials returns up to two capital initials of a name, for the avatar.
func initials(name string) string {
	var out []rune
	for _, w := range strings.Fields(name) {
		r := []rune(w)
		out = append(out, []rune(strings.ToUpper(string(r[0])))...)
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// dict builds a map from key, value pairs, to pass several values to a
// sub-template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}
