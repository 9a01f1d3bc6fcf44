//! The one integration test binary: the real `dockerlearn` binary against the real
//! engine. Every resource a test creates carries `org.dockerlearn.test=<run id>` and is
//! removed by the test; images that existed before are never retagged or removed.

mod engines;
mod fixtures;
mod support;

mod authoring;
mod bad_input;
mod book;
mod boundaries;
mod busy_engine;
mod classroom;
mod clean;
mod cli;
mod course;
mod doctor;
mod engine_faults;
mod every_kind;
mod explain;
mod fuzz;
mod guard;
mod hello_world;
mod install_check;
mod kit;
mod lessons;
mod map;
mod narrate;
mod notebook;
mod on_engines;
mod podman_commands;
mod progress;
mod real_programs;
mod registry;
mod remote;
mod repl;
mod sandbox;
mod starter;
mod structure;
mod tight;
mod verify_lessons;
