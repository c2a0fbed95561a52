// Every test file: decorator metadata for tsyringe, before anything imports the core.
import 'reflect-metadata';
