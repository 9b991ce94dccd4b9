# One image for the gateway and the emulator (the local stack runs both from it).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY cognito_srp ./cognito_srp
COPY cognito_emulator ./cognito_emulator
COPY gateway ./gateway
COPY demo_upstream ./demo_upstream
COPY templates ./templates
RUN pip install --no-cache-dir . && useradd --system --no-create-home gateway
USER gateway

EXPOSE 8000
CMD ["python", "-m", "gateway", "--host", "0.0.0.0", "--port", "8000"]
