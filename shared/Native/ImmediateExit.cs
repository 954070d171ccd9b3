namespace ProcessFarm.Shared.Native;

/// <summary>Ends the process at once (native/src/pf_process.c, <c>pf_process_exit</c>).</summary>
public static class ImmediateExit
{
    /// <summary>
    /// Exits with <paramref name="exitCode"/> without running handlers or waiting for any thread, whatever the other
    /// threads are doing (one may be inside native code). Only for a process whose work has nobody left to receive it.
    /// </summary>
    public static void Now(int exitCode) => Interop.PfNative.ProcessExit(exitCode);
}
