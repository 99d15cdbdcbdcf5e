# SPDX-License-Identifier: MIT-0
# Copyright 2026 The Gate by Gate authors
