// Package metrics records what a tophat server did from the receipts its
// handlers return, and names the labels every exporter shares.
//
// The label helpers keep label sets bounded: Route never uses the raw
// path (NoRoute for requests no router matched), Method folds unknown
// methods into OtherMethod, Transport names a stream by its scheme, and
// WriteCause sorts a receipt's error into a few causes.
package metrics
