package main

// The time zone database is built into the binary, so that time zones work
// where the system has none (the container image is built from scratch).
import _ "time/tzdata"
