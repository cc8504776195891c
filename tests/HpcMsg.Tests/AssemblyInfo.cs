// The tests exercise /dev/shm, process_vm_readv and POSIX signals: Linux only.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
