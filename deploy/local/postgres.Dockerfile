# PostgreSQL 15 from Debian's own package, on the local base image, for machines that cannot pull the
# `postgres` image. It reads the same variables as that image (POSTGRES_USER, POSTGRES_PASSWORD,
# POSTGRES_DB) and keeps its data in the same place, so deploy/compose.yaml works with it unchanged.
# Built by deploy/local/stack.py (context: deploy/local).
ARG BASE_IMAGE=localhost/innkjopsassistent-base:bookworm
FROM ${BASE_IMAGE}
# No cluster from the package's postinst: the entrypoint makes one in the volume on first start.
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-common \
    && sed -i 's/^#\? *create_main_cluster.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && apt-get clean \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/log/apt /var/log/dpkg.log \
    # JIT (LLVM, 130 MB with z3) stays unused (jit=off below: the question log's queries are small) and
    # the servers' message translations are not needed (logs in English).
    && rm -rf /usr/lib/*/libLLVM-*.so* /usr/lib/*/libz3.so* /usr/lib/postgresql/15/lib/llvmjit* \
        /usr/lib/postgresql/15/lib/bitcode /usr/share/locale/* \
    && mkdir -p /var/lib/postgresql/data /var/run/postgresql \
    && chown -R postgres:postgres /var/lib/postgresql /var/run/postgresql \
    && chmod 700 /var/lib/postgresql/data
COPY postgres-entrypoint.sh /usr/local/bin/postgres-entrypoint.sh
ENV PATH=/usr/lib/postgresql/15/bin:$PATH \
    PGDATA=/var/lib/postgresql/data \
    LANG=C.UTF-8
USER postgres
VOLUME ["/var/lib/postgresql/data"]
EXPOSE 5432
STOPSIGNAL SIGINT
HEALTHCHECK --interval=5s --timeout=3s --retries=20 CMD ["pg_isready", "-h", "127.0.0.1", "-q"]
ENTRYPOINT ["/usr/local/bin/postgres-entrypoint.sh"]
CMD ["postgres"]
