import Stripe from "stripe";
// Test-mode and publishable keys are not secrets; the live secret comes from the environment.
export const stripe = new Stripe(process.env.STRIPE_SECRET_KEY);
export const publishableKey = "pk_live_qIlOazpDTLNonrsdVp5aDlKC";
export const testKey = "pk_test_uaVYkbVdn4Pdeat0Q2LOzqKT";
