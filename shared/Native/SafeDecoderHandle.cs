using System.Runtime.InteropServices;

namespace ProcessFarm.Shared.Native;

/// <summary>Owns a native <c>pf_decoder</c>; invalid when zero.</summary>
internal sealed class SafeDecoderHandle : SafeHandle
{
    /// <summary>Called by the interop layer when <c>pf_decoder_create</c> returns.</summary>
    public SafeDecoderHandle()
        : base(IntPtr.Zero, ownsHandle: true)
    {
    }

    /// <inheritdoc />
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <inheritdoc />
    protected override bool ReleaseHandle()
    {
        Interop.PfNative.DecoderDestroy(handle);
        return true;
    }
}
