{
  "targets": [
    {
      "target_name": "neuroplast_native",
      "sources": ["kernels.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=fast", "-Wall", "-Wextra"]
    }
  ]
}
