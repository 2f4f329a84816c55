module github.com/openshift-pipelines/release-tests

go 1.25

require github.com/getgauge-contrib/gauge-go v0.5.2

require (
	github.com/dmotylev/goproperties v0.0.0-20140630191356-7cbffbaada47 // indirect
	github.com/getgauge/common v0.0.0-20250512071011-6a075badb588 // indirect
	github.com/golang/protobuf v1.5.4 // indirect
	google.golang.org/protobuf v1.36.11 // indirect
)
