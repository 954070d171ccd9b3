using System.Globalization;

namespace ProcessFarm.Shared.Native;

/// <summary>
/// The resource limits a process inherits (ulimit -n, ulimit -v), checked before any work: below what the .NET
/// runtime and the farm need, the runtime fails in ways no caller can report on one line (threads that cannot be
/// created, assemblies that cannot be opened), so the limit is named up front instead.
/// </summary>
public static unsafe class ProcessLimits
{
    /// <summary>
    /// The address-space limit below which a run is refused. On .NET 10 here the GC and the thread pool fail to
    /// reserve what they need under about 4 GiB (measured with a 40 MP image in pipe and shm mode: 3.8 GiB fails
    /// with "Out of memory." or threads that cannot start, 4.0 GiB works; docs/RESULTS.md); 5 GiB leaves a margin.
    /// </summary>
    public const long MinimumAddressSpaceBytes = 5L << 30;

    /// <summary>Descriptors the coordinator itself needs (the runtime, its threads, the command's files).</summary>
    public const int BaseOpenFiles = 64;

    /// <summary>Descriptors each worker costs the coordinator (socket, its three standard streams, listener, channel, region).</summary>
    public const int OpenFilesPerWorker = 16;

    // PROCESSFARM_MIN_ADDRESS_SPACE_CHECK=0 skips the address-space check (to find the true minimum for the docs).
    private static readonly bool s_skipAddressSpaceCheck = Environment.GetEnvironmentVariable("PROCESSFARM_MIN_ADDRESS_SPACE_CHECK") == "0";

    /// <summary>The soft limit on open files, or null when unlimited.</summary>
    public static long? OpenFiles => Read().OpenFiles;

    /// <summary>The soft limit on address space in bytes, or null when unlimited.</summary>
    public static long? AddressSpaceBytes => Read().AddressSpace;

    /// <summary>
    /// Why this process's limits are too low for <paramref name="workers"/> worker processes, as one sentence
    /// naming the limit and how to raise it; null when they suffice.
    /// </summary>
    public static string? Check(int workers)
    {
        var (openFiles, addressSpace) = Read();
        long needed = BaseOpenFiles + ((long)OpenFilesPerWorker * workers);
        if (openFiles is long files && files < needed)
        {
            return workers == 0
                ? string.Create(CultureInfo.InvariantCulture, $"the open-files limit (ulimit -n) is {files}; the .NET runtime needs at least {needed}: raise it (ulimit -n 1024)")
                : string.Create(CultureInfo.InvariantCulture, $"the open-files limit (ulimit -n) is {files}; {workers} worker{(workers == 1 ? string.Empty : "s")} need at least {needed}: raise it (ulimit -n {Math.Max(needed, 1024)}) or use fewer workers");
        }
        if (addressSpace is long bytes && bytes < MinimumAddressSpaceBytes && !s_skipAddressSpaceCheck)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"the address-space limit (ulimit -v) is {bytes / (1024.0 * 1024 * 1024):0.0} GiB; the .NET runtime needs at least {MinimumAddressSpaceBytes >> 30} GiB of address space per process: raise it (ulimit -v unlimited)");
        }
        return null;
    }

    private static (long? OpenFiles, long? AddressSpace) Read()
    {
        long openFiles, addressSpace;
        int result = Interop.PfNative.ProcessLimits(&openFiles, &addressSpace);
        if (result != 0)
        {
            return (null, null); // the kernel would not say: nothing to check against
        }
        return (openFiles < 0 ? null : openFiles, addressSpace < 0 ? null : addressSpace);
    }
}
