// Package importer brings threat models in from other tools, and writes
// tmbot models out as Open Threat Model (OTM) documents.
//
// Each source format has its own file (otm.go, threagile.go,
// threatcomposer.go, threatdragon.go, tmbom.go, pytm.go). Every importer
// builds a Doc, the tmbot format in document order, and a Report of every
// guess it made: a level read from a number, a classification read from a
// scale with more steps, an id made valid, an acceptance given an expiry, a
// status that plans nothing. What a format holds that tmbot cannot is kept
// under extensions, keyed by the format's name, so nothing is dropped.
//
// The package reads bytes and writes bytes; it must not import forge,
// store, server or job packages. It uses bot/model only to read a model
// for export and bot/catalog to keep catalog ids that exist.
package importer
