"""Tests of impl: differential against live torch, plus hand-written cases naming their source."""
