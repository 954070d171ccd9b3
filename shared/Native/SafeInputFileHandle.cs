using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.Native;

/// <summary>Owns a descriptor <c>pf_file_open_regular</c> returned; invalid when negative.</summary>
internal sealed class SafeInputFileHandle : SafeHandle
{
    /// <summary>Takes ownership of <paramref name="fd"/>.</summary>
    public SafeInputFileHandle(int fd)
        : base(invalidHandleValue: -1, ownsHandle: true) => SetHandle(fd);

    /// <inheritdoc />
    public override bool IsInvalid => handle < 0;

    /// <inheritdoc />
    protected override bool ReleaseHandle() => Interop.PfNative.FileClose(handle) == 0;
}
