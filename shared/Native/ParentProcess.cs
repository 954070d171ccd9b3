namespace ProcessFarm.Shared.Native;

/// <summary>Ties a child process's life to its parent's (native/src/pf_process.c).</summary>
public static class ParentProcess
{
    /// <summary>
    /// Asks the kernel to kill this process (SIGKILL) when its parent dies, then checks that the parent is still
    /// <paramref name="expectedParentId"/>.
    /// </summary>
    /// <returns>False when the parent is already gone: the caller should exit at once.</returns>
    /// <exception cref="IOException">The kernel refused the request.</exception>
    public static bool BindTo(int expectedParentId)
    {
        int result = Interop.PfNative.ProcessBindToParent(expectedParentId);
        return result switch
        {
            0 => true,
            -EsrchNoSuchProcess => false,
            _ => throw new IOException($"cannot ask to be stopped with the parent process: {System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(-result)}", -result),
        };
    }

    private const int EsrchNoSuchProcess = 3; // ESRCH on Linux
}
