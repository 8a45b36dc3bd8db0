"""Password hashing: Argon2id at OWASP's recommended minimum (19 MiB, 2 passes, 1 lane).

Why not Django's default PBKDF2 (1,000,000 iterations of SHA-256): on the 2-core project
machine one PBKDF2 hash costs 480 ms of CPU, one Argon2id hash with these parameters 36 ms
(measured 2026-11-25; docs/performance.md, "Web load"). A whole city signing in at the opening
of a round queued every page behind those 480 ms. Argon2id is memory-hard, so a GPU or ASIC
attacker gains far less from parallel hardware than against PBKDF2, and OWASP's Password
Storage Cheat Sheet lists m=19 MiB, t=2, p=1 as a recommended configuration.

Hashes made with other parameters or by PBKDF2 (older accounts) still verify, and Django
re-hashes them with these parameters at the next successful sign-in (``must_update``).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class CityArgon2PasswordHasher(Argon2PasswordHasher):
    # Same algorithm name as Django's own: the parameters travel inside each encoded hash.
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
