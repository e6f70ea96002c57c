"""MaxCode: max-reward search for faster programs."""
