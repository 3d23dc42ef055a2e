package importer

import "testing"

// A name that is only about a person's browser or phone app is the user's
// side; a name with any other word is about something else.
func TestClientKind(t *testing.T) {
	for name, want := range map[string]string{
		"Browser": "user", "Web Browser": "user", "User's browser": "user", "Customer web client": "user",
		"User agent": "user", "web-client": "user", "Mobile App": "mobile_app", "iOS app": "mobile_app",
		"Android client": "mobile_app", "Mobile App (iOS/Android)": "mobile_app",
		// not clients
		"Isolated Browser Instance": "", "Headless browser": "", "Browser local storage": "",
		"Browser extension": "", "Mobile backend API": "", "Client Application (App 1)": "", "User": "",
		"Threat composer client-side app": "", "Vault CLI / API Client": "", "Web app": "",
	} {
		got, ok := clientKind(name)
		if got != want || ok != (want != "") {
			t.Errorf("clientKind(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
}

// Threat Dragon draws the user's browser and phone app as processes; they
// are imported on the user's side; a browser the system runs stays on the
// system's side (as before, a web app from its name).
func TestThreatDragonClientProcesses(t *testing.T) {
	src := `{"summary": {"title": "Clients"}, "detail": {"diagrams": [{"title": "Main", "cells": [
	  {"id": "c1", "shape": "process", "data": {"type": "tm.Process", "name": "Browser"}},
	  {"id": "c2", "shape": "process", "data": {"type": "tm.Process", "name": "Mobile App"}},
	  {"id": "c3", "shape": "process", "data": {"type": "tm.Process", "name": "Headless browser"}},
	  {"id": "c4", "shape": "process", "data": {"type": "tm.Process", "name": "Web site"}},
	  {"id": "c5", "shape": "store", "data": {"type": "tm.Store", "name": "Browser"}}
	]}]}}`
	res := imp(t, FormatThreatDragon, src, Options{})
	wantKinds(t, res, map[string]string{"browser": "user", "mobile-app": "mobile_app", "headless-browser": "web_app",
		"web-site": "web_app", "browser-2": "database"})
	reported(t, res.Report, "components.browser", "read as kind user")
}

// pytm has no class for a browser: one drawn as a server or process is the
// user's side; an actor stays a user and a datastore a database.
func TestPytmClientServer(t *testing.T) {
	src := `{"name": "Clients", "description": "d", "elements": [
	  {"__class__": "Server", "name": "Web browser", "data": []},
	  {"__class__": "Process", "name": "Android app", "data": []},
	  {"__class__": "Server", "name": "Web server", "data": []},
	  {"__class__": "Datastore", "name": "Browser", "data": []}
	], "flows": [], "data": [], "findings": []}`
	res := imp(t, FormatPytm, src, Options{})
	wantKinds(t, res, map[string]string{"web-browser": "user", "android-app": "mobile_app", "web-server": "service", "browser": "database"})
	reported(t, res.Report, "components.web-browser", "the user's own browser")
}

// TM-BOM components have no kind: the title says it (through guessKind).
func TestTMBOMClientComponents(t *testing.T) {
	src := `{"version": "1.0", "scope": {"title": "Clients"}, "actors": [], "components": [
	  {"symbolic_name": "comp-browser", "title": "Web Browser"},
	  {"symbolic_name": "comp-mobile", "title": "Mobile App"},
	  {"symbolic_name": "comp-isolated", "title": "Isolated Browser Instance"}
	], "data_stores": [], "data_sets": [], "data_flows": [], "threats": [], "controls": []}`
	res := imp(t, FormatTMBOM, src, Options{})
	wantKinds(t, res, map[string]string{"comp-browser": "user", "comp-mobile": "mobile_app", "comp-isolated": "web_app"})
}

// Threagile's technology browser is the user's side even when the asset
// is not marked as used by a person.
func TestThreagileBrowserTechnology(t *testing.T) {
	src := `
title: Clients
technical_assets:
  Shop front:
    id: front
    type: external-entity
    technology: browser
  Shop:
    id: shop
    type: process
    technology: web-server
`
	res := imp(t, FormatThreagile, src, Options{})
	wantKinds(t, res, map[string]string{"front": "user", "shop": "web_app"})
}

func wantKinds(t *testing.T, res *Result, want map[string]string) {
	t.Helper()
	for id, k := range want {
		c, ok := res.Doc.Components.Get(id)
		if !ok {
			t.Errorf("component %s missing: %v", id, res.Doc.Components.Keys())
			continue
		}
		if c.Kind != k {
			t.Errorf("%s (%s): kind %s, want %s", id, c.Name, c.Kind, k)
		}
	}
}
